// The two Nodes the test node agent registers: one CPU-only, one with a GPU behind a taint.
export const CPU_NODE_NAME = 'heimdex-testbed-cpu';
export const GPU_NODE_NAME = 'heimdex-testbed-gpu';
/** Only pods that tolerate this land on the GPU node, as on a real GPU pool. */
export const GPU_TAINT = { key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' };
export const NODES: { name: string; gpu: boolean }[] = [
  { name: CPU_NODE_NAME, gpu: false },
  { name: GPU_NODE_NAME, gpu: true },
];
