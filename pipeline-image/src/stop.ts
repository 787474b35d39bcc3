// How the stage program stops when its pod is deleted (SIGTERM: a Job deleted, a stage removed from spec.stages, a
// run stopped as a stray): at once, with the transient exit 143, unless its work is already committed. Once the
// index stage has sent the COMMIT that marks the video indexed, the video IS indexed whatever follows; dying
// then would report a failure (or a stop) for a run whose effect stands, and the operator's record would say
// the video is not indexed while search finds it. Past that point the program finishes (a moment: it writes its
// result and exits) and reports the success; the pod's grace period still bounds it with a SIGKILL.
let committed = false;

/** The run's effect is committed from here on (called just before the COMMIT is sent). */
export function committing(): void {
  committed = true;
}

/** Installs the SIGTERM handler of the stage program. */
export function stopOnSigterm(exit: (code: number) => void = (code) => process.exit(code)): void {
  process.on('SIGTERM', () => {
    if (!committed) exit(143);
  });
}
