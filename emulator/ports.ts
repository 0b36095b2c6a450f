/**
 * The public ports the emulator hands to pods.
 *
 * A port found free by binding port 0 stays free only until something binds it, and a pod's sshd binds its port
 * only `sshdStartMs` after the mapping is published. The kernel often returns a port it returned moments before
 * (measured: in about 2 of 3 runs of 100 successive lookups), so without a record two pods starting close
 * together could be given the same port. The pod whose sshd lost the bind moves to another port, but until then
 * its `ssh.direct` points at the other pod's sshd, whose banner makes it look ready on the wrong port. The book
 * remembers every port it handed out until it is given back, and never hands out one it holds.
 */
import { freePort } from "./ids";

/** How many lookups `take` tries before giving up. */
const MAX_LOOKUPS = 100;

export class PortBook {
  private readonly held = new Set<number>();

  /** `findFree` finds a port nothing is bound to (tests pass their own). */
  constructor(private readonly findFree: () => Promise<number> = freePort) {}

  /** A port nothing is bound to and not handed out already; held until `release`. */
  async take(): Promise<number> {
    for (let lookup = 0; lookup < MAX_LOOKUPS; lookup++) {
      const port = await this.findFree();
      if (!this.held.has(port)) {
        this.held.add(port);
        return port;
      }
    }
    throw new Error(`Runpod emulator: no free port found that is not already mapped to a pod (${this.held.size} ports mapped)`);
  }

  /** Gives `port` back (it is no longer mapped to any pod). */
  release(port: number): void {
    this.held.delete(port);
  }

  /** True while `port` is handed out. */
  holds(port: number): boolean {
    return this.held.has(port);
  }
}
