/**
 * The house rules of the architecture (DESIGN.md, "Architecture"), checked
 * on every `npm run lint`: data flows one way, chat → request → queue →
 * worker → runbook → SSH → host, and each folder knows only what it must.
 */
const SRC = "^src/";
const io = ["node_modules/(ioredis|bullmq|ssh2|@slack)/"];

module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "No import cycles, between files or folders.",
      from: {},
      to: { circular: true },
    },
    {
      name: "domain-is-pure",
      severity: "error",
      comment:
        "domain/ is pure logic: nothing with I/O, nothing from config/ (zod, node:crypto and rpm versions allowed).",
      from: { path: `${SRC}domain/` },
      to: {
        pathNot: [`${SRC}domain/`, `${SRC}kcm/package-version\\.ts$`, "node_modules/zod/"],
        dependencyTypesNot: ["core"],
      },
    },
    {
      name: "domain-core-modules",
      severity: "error",
      comment: "domain/ may hash (node:crypto) and nothing else of Node's.",
      from: { path: `${SRC}domain/` },
      to: { dependencyTypes: ["core"], pathNot: "^(node:)?crypto$" },
    },
    {
      name: "kcm-knows-no-chat",
      severity: "error",
      comment: "kcm/ knows what a KCM host is, not Slack, the queues, the store or the runbook.",
      from: { path: `${SRC}kcm/` },
      to: { path: [`${SRC}(slack|queue|store|console|cli|runbook|requests|ssh)/`, ...io] },
    },
    {
      name: "runbook-knows-ports",
      severity: "error",
      comment:
        "runbook/ works over narrow ports: not ssh2, BullMQ, Redis or Slack, nor their adapters.",
      from: { path: `${SRC}runbook/` },
      to: {
        path: [`${SRC}(ssh|store|queue|slack|console|cli|observability|requests)/`, ...io],
      },
    },
    {
      name: "requests-over-ports",
      severity: "error",
      comment: "requests/ holds the use cases of a request's life, over narrow ports: no adapters.",
      from: { path: `${SRC}requests/` },
      to: { path: [`${SRC}(slack|ssh|store|queue|console|cli|observability)/`, ...io] },
    },
    {
      name: "slack-parses-and-renders",
      severity: "error",
      comment:
        "slack/ parses Slack's payloads and renders Block Kit: it never opens SSH or runs the runbook.",
      from: { path: `${SRC}slack/` },
      to: { path: [`${SRC}(ssh|runbook|queue)/`, "node_modules/ssh2/"] },
    },
    {
      name: "queue-dispatches",
      severity: "error",
      comment: "queue/ defines and dispatches; it renders nothing for chat.",
      from: { path: `${SRC}queue/` },
      to: { path: `${SRC}(slack|console|cli)/` },
    },
    {
      name: "store-is-storage",
      severity: "error",
      comment: "store/ keeps state in Redis; it knows nothing of chat or the queues.",
      from: { path: `${SRC}store/` },
      to: { path: `${SRC}(slack|queue|console|cli|requests)/` },
    },
    {
      name: "config-is-config",
      severity: "error",
      comment: "config/ reads and checks settings; it depends on nothing that acts.",
      from: { path: `${SRC}config/` },
      to: { path: `${SRC}(slack|queue|store|ssh|runbook|requests|console|cli|observability)/` },
    },
    {
      name: "workers-no-listeners",
      severity: "error",
      comment: "Worker processes never import the Slack listeners.",
      from: { path: "^workers/" },
      to: { path: `${SRC}slack/listeners/` },
    },
    {
      name: "no-orphans",
      severity: "error",
      comment: "A module nothing imports is dead code (entry points excepted).",
      from: {
        orphan: true,
        pathNot: [
          "\\.d\\.ts$",
          `${SRC}bot\\.ts$`,
          `${SRC}cli/kcm-chatops\\.ts$`,
          `${SRC}console/main\\.ts$`,
          "^workers/",
        ],
      },
      to: {},
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { extensions: [".ts", ".js"] },
  },
};
