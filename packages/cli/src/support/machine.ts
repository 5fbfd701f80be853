import { availableParallelism, cpus, platform, release, totalmem } from 'node:os';

/** Description of the machine a benchmark ran on, saved with every result. */
export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  platform: string;
  node: string;
}

/** The CPU model, cores, memory, OS and Node version of this machine. */
export function describeMachine(): MachineInfo {
  return {
    cpuModel: cpus()[0]?.model ?? 'unknown',
    cores: availableParallelism(),
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    platform: `${platform()} ${release()}`,
    node: process.version,
  };
}

/** `cpuModel (N cores, M GiB)`. */
export function machineLine(machine: MachineInfo): string {
  return `${machine.cpuModel} (${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.platform}, Node ${machine.node})`;
}
