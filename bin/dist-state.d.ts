/**
 * Why dist/ must not run, or undefined when it is current (dist/.built newer than every file
 * under harness/). `root`: the project's folder as a file: URL ending in /.
 */
export function distStale(root: URL): string | undefined;
