export { start } from "./commands/start.js";
