import { Injectable } from '@nestjs/common';
import { availableParallelism, totalmem } from 'node:os';

export interface ProcessStats {
  /** CPU time used since the previous sample, in percent of the CPUs this process may use. */
  cpuUsage: number;
  /** Resident memory, in percent of the memory this process may use. */
  memoryUsage: number;
}

/**
 * The memory this process may use: its cgroup's limit when it has one (Node reads cgroup v1 and v2
 * for `constrainedMemory()`; an unlimited cgroup reports a huge number), otherwise the machine's.
 */
function memoryLimitBytes(): number {
  const constrained = process.constrainedMemory();
  const machine = totalmem();
  return constrained > 0 && constrained < machine ? constrained : machine;
}

const clampPercent = (value: number) => Math.min(100, Math.max(0, value));

/** Samples this process's share of CPU and memory. */
@Injectable()
export class ProcessStatsSampler {
  private readonly memoryLimit = memoryLimitBytes();
  private lastCpu = process.cpuUsage();
  private lastAt = process.hrtime.bigint();

  sample(): ProcessStats {
    const now = process.hrtime.bigint();
    const cpu = process.cpuUsage();
    const cpuMicros = cpu.user - this.lastCpu.user + (cpu.system - this.lastCpu.system);
    const wallMicros = Number(now - this.lastAt) / 1000;
    this.lastCpu = cpu;
    this.lastAt = now;
    return {
      cpuUsage:
        wallMicros > 0 ? clampPercent((cpuMicros / wallMicros / availableParallelism()) * 100) : 0,
      memoryUsage: clampPercent((process.memoryUsage.rss() / this.memoryLimit) * 100),
    };
  }
}
