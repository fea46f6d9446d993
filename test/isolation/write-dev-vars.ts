// `npm run --silent test:hostile-dev-vars`: writes the hostile `.dev.vars` into the current directory
// (never over an existing one) and prints its canary. CI runs every suite beside it (.ci/run).
import { writeHostileDevVars } from "./hostile-vars.ts";

console.log(await writeHostileDevVars(".dev.vars"));
