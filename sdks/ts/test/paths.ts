import { fileURLToPath } from "node:url";

/**
 * The SDK's directory (sdks/ts). Specs run compiled from build/src or build/test, two
 * levels below it.
 */
export const packageRoot = fileURLToPath(new URL("../..", import.meta.url));
