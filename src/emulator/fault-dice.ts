import type { EmulatorFaults } from "./faults.js";
import { createRandom } from "./options.js";

/**
 * The faults in force and the seeded dice that decide, call by call, whether one strikes.
 * `set` replaces them while the emulator runs (`emulator.setFaults`).
 */
export class FaultDice {
  #faults: EmulatorFaults;
  readonly #random: () => number;

  constructor(faults: EmulatorFaults, seed: number) {
    this.#faults = faults;
    // Its own stream: injecting a fault does not shift the inference times and seeds.
    this.#random = createRandom(seed + 7919);
  }

  get current(): EmulatorFaults {
    return this.#faults;
  }

  set(faults: EmulatorFaults): void {
    this.#faults = faults;
  }

  /** Whether the fault with probability `p` strikes this time. */
  chance(p: number | undefined): boolean {
    return p !== undefined && p > 0 && this.#random() < p;
  }
}
