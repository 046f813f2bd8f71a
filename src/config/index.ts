/** What other layers use from `config/`. */
export { ConfigError, type ConfigErrorCode, type ConfigIssue } from "./config-error.js";
export {
  ALL_TARGET,
  type GroupConfig,
  type HealthProbe,
  type HostConfig,
  type Inventory,
  type LayoutSetting,
  NAME_PATTERN,
  type SlackPolicy,
  WEEKDAYS,
  type Weekday,
  type WindowConfig,
} from "./inventory-schema.js";
export { loadInventory } from "./load-inventory.js";
export { parseInventory } from "./parse-inventory.js";
export { type AppEnv, readEnv } from "./read-env.js";
export { resolveTarget, type TargetResolution } from "./resolve-target.js";
