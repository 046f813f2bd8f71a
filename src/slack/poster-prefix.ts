/** The poster's Redis prefix, shared by the bot (which delivers) and the workers (which queue). */
export function posterPrefix(redisPrefix: string): string {
  return `${redisPrefix}:slack`;
}
