/**
 * The hardware catalog: per-chip peak compute, HBM, and the links a chip has, each figure with
 * its source. Conventions (shared/research/simulator.md): GB = 1e9 bytes, GiB = 2^30; FLOP/s are
 * dense (no 2:4 sparsity); link bandwidths are per device, one direction ("uni"). A TPU's `ici`
 * figure is one link in one direction; a torus dimension gives each chip a link to each of its two
 * neighbours, so a bidirectional ring moves twice that (the scaling book's W_ici = 2 × uni).
 */
import type { DType } from '../ir/dtype.ts';

export type LinkKind = 'ici' | 'nvlink' | 'infiniband' | 'dcn';

export const LINK_KINDS: readonly LinkKind[] = ['ici', 'nvlink', 'infiniband', 'dcn'];

export interface Hardware {
  readonly name: string;
  readonly title: string;
  readonly vendor: 'google' | 'nvidia' | 'custom';
  /** Dense peak FLOP/s per chip by compute dtype; f8 where the chip has it. */
  readonly peakFlops: {
    readonly bf16: number;
    readonly f16: number;
    readonly f32: number;
    readonly f8?: number;
  };
  readonly hbmBytes: number;
  /** bytes/s */
  readonly hbmBandwidth: number;
  /** Devices per fast domain (GPUs per NVLink node; TPU: chips per slice/pod dimension product). */
  readonly nodeSize: number;
  /** Per-device unidirectional bandwidth (bytes/s) and per-hop latency (s) of each link kind it has. */
  readonly links: Readonly<
    Partial<Record<LinkKind, { readonly bandwidth: number; readonly latency: number }>>
  >;
  /** TPU: ICI links per chip per torus dimension are bidirectional; physical torus shape of a full pod/slice. */
  readonly torus?: { readonly dims: readonly number[]; readonly wraparound: boolean };
  /** Where each figure comes from (URL/paper + section). */
  readonly sources: readonly string[];
}

export class HardwareError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HardwareError';
  }
}

const GiB = 2 ** 30;

/** Per-hop latencies (s). */
// TPU: ≈1 µs per ICI hop (scaling book, sharding.md; simulator.md §2.3).
const ICI_LATENCY = 1e-6;
// NCCL tuning model, ring LL128 hwLat: NVLink 1.9 µs, NET 4.0 µs per step
// (NVIDIA/nccl src/graph/tuning.cc; simulator.md §2.3).
const NVLINK_LATENCY = 1.9e-6;
const IB_LATENCY = 4.0e-6;
// DCN: no measured figure in simulator.md; an assumed 10 µs per hop (RDMA/TCP across the
// data-centre network, a few switch hops). Replace when a source is found.
const DCN_LATENCY = 10e-6;

const SB_TPUS =
  'scaling book, tpus.md hardware table (jax-ml.github.io/scaling-book/tpus); simulator.md §2.1';
const SB_SHARDING = 'scaling book, sharding.md: T_min ≈ 1 µs per ICI hop; simulator.md §2.3';
const SB_GPUS = 'scaling book, gpus.md hardware and network tables; simulator.md §2.2';
const NCCL_LAT =
  'NVIDIA/nccl src/graph/tuning.cc, ring LL128 hwLat: NVLink 1.9 µs, NET 4.0 µs per step; simulator.md §2.3';
const DCN_ASSUMED = 'dcn latency 10 µs per hop: assumption, no source (simulator.md has none)';
const JAX_F32_TPU =
  'f32 at the bf16 rate: JAX/XLA DEFAULT matmul precision on TPU computes f32 dots in one bf16 pass (HIGHEST is ~6 passes)';
const TF32 =
  'f32 = dense TF32 tensor-core rate (half the dense bf16 rate; NVIDIA A100/H100/B200 datasheets): frameworks allow TF32 for f32 matmuls';

/** TPU defaults: f16 and f32 run at the bf16 rate (see JAX_F32_TPU). */
function tpu(
  name: string,
  title: string,
  bf16: number,
  hbmBytes: number,
  hbmBandwidth: number,
  iciUni: number,
  torusDims: readonly number[],
  dcn: number | undefined,
  sources: readonly string[],
): Hardware {
  const nodeSize = torusDims.reduce((a, b) => a * b, 1);
  return {
    name,
    title,
    vendor: 'google',
    peakFlops: { bf16, f16: bf16, f32: bf16 },
    hbmBytes,
    hbmBandwidth,
    nodeSize,
    links: {
      ici: { bandwidth: iciUni, latency: ICI_LATENCY },
      ...(dcn === undefined ? {} : { dcn: { bandwidth: dcn, latency: DCN_LATENCY } }),
    },
    torus: { dims: torusDims, wraparound: true },
    sources: [...sources, SB_SHARDING, JAX_F32_TPU, ...(dcn === undefined ? [] : [DCN_ASSUMED])],
  };
}

function gpu(
  name: string,
  title: string,
  flops: { bf16: number; f32: number; f8?: number },
  hbmBytes: number,
  hbmBandwidth: number,
  nvlinkUni: number,
  ibPerGpu: number,
  sources: readonly string[],
): Hardware {
  return {
    name,
    title,
    vendor: 'nvidia',
    peakFlops: {
      bf16: flops.bf16,
      f16: flops.bf16,
      f32: flops.f32,
      ...(flops.f8 ? { f8: flops.f8 } : {}),
    },
    hbmBytes,
    hbmBandwidth,
    nodeSize: 8, // 8 GPUs per HGX/DGX NVLink node (simulator.md §2.2, "NVLink domain")
    links: {
      nvlink: { bandwidth: nvlinkUni, latency: NVLINK_LATENCY },
      infiniband: { bandwidth: ibPerGpu, latency: IB_LATENCY },
    },
    sources: [...sources, NCCL_LAT, TF32],
  };
}

const CATALOG: readonly Hardware[] = [
  // bf16 1.4e14 (SB; Cloud-v3 says 123 TF), 32 GiB, 900 GB/s, ICI 1e11 uni, pod 32×32.
  tpu('tpu-v3', 'Google TPU v3', 1.4e14, 32 * GiB, 900e9, 1e11, [32, 32], undefined, [
    SB_TPUS,
    'Cloud TPU v3 page (cloud.google.com/tpu/docs/v3): 32 GiB HBM, 900 GB/s, 2D torus, 1024-chip pod',
  ]),
  // 2.75e14 bf16, 32 GiB at 1200 GB/s (Cloud-v4); ICI 4.5e10 uni (SB); 16×16×16 pod of 4×4×4 cubes.
  tpu('tpu-v4', 'Google TPU v4', 2.75e14, 32 * GiB, 1200e9, 4.5e10, [16, 16, 16], undefined, [
    SB_TPUS,
    'Cloud TPU v4 page (cloud.google.com/tpu/docs/v4): 275 TF bf16, 32 GiB HBM2 at 1200 GBps, 4096-chip pod, 3D torus on multiples of 4',
  ]),
  // 1.97e14 bf16, 16 GB at 819 GB/s, ICI 4.5e10 uni, 16×16 pod, DCN 3.125e9 B/s per chip (SB).
  tpu('tpu-v5e', 'Google TPU v5e', 1.97e14, 16e9, 819e9, 4.5e10, [16, 16], 3.125e9, [
    SB_TPUS,
    'Cloud TPU v5e page (cloud.google.com/tpu/docs/v5e): 197 TF bf16, 16 GB HBM2 at 819 GBps, 16×16 pod',
  ]),
  // 4.59e14 bf16, 95 GiB at 2765 GB/s (Cloud-v5p), ICI 9e10 uni (SB), 16×20×28 pod, DCN 6.25e9 (SB).
  tpu('tpu-v5p', 'Google TPU v5p', 4.59e14, 95 * GiB, 2765e9, 9e10, [16, 20, 28], 6.25e9, [
    SB_TPUS,
    'Cloud TPU v5p page (cloud.google.com/tpu/docs/v5p): 459 TF bf16, 95 GiB HBM at 2765 GBps, 8960-chip pod',
  ]),
  // 9.18e14 bf16, 32 GB at 1640 GB/s, ICI 9e10 uni (SB), 16×16 pod, DCN 12.5e9 (SB).
  tpu('tpu-v6e', 'Google TPU v6e (Trillium)', 9.18e14, 32e9, 1640e9, 9e10, [16, 16], 12.5e9, [
    SB_TPUS,
    'Cloud TPU v6e page (cloud.google.com/tpu/docs/v6e): 918 TF bf16, 32 GB HBM at 1640 GBps, 16×16 pod',
  ]),
  // A100 40 GB: same compute as the 80 GB part; HBM2 1555 GB/s (NVIDIA A100 datasheet).
  // NVLink 3: 12 links × 25 GB/s = 300e9 uni; DGX A100 8 × 200 Gb/s HDR IB = 25e9 per GPU.
  gpu(
    'a100-40gb',
    'NVIDIA A100 SXM 40 GB',
    { bf16: 312e12, f32: 156e12 },
    40e9,
    1555e9,
    300e9,
    25e9,
    [
      SB_GPUS,
      'NVIDIA A100 datasheet: 312 TF bf16 dense, 156 TF TF32 dense, 40 GB HBM2 at 1555 GB/s',
      'DGX A100: 6 NVSwitch, 8 × 200 Gb/s HDR NICs (simulator.md §2.2)',
    ],
  ),
  gpu(
    'a100-80gb',
    'NVIDIA A100 SXM 80 GB',
    { bf16: 312e12, f32: 156e12 },
    80e9,
    2039e9,
    300e9,
    25e9,
    [
      SB_GPUS,
      'glennklockwood.com/garden/processors/A100 (NVIDIA datasheet): 312 TF bf16 dense, 80 GB HBM2e at 2039 GB/s',
      'DGX A100: 6 NVSwitch, 8 × 200 Gb/s HDR NICs (simulator.md §2.2)',
    ],
  ),
  // H100 SXM: 989 TF bf16, 1979 TF fp8, 80 GB at 3.35 TB/s; NVLink 4 18 × 25 = 450e9 uni;
  // DGX H100 8 × 400 Gb/s NDR = 50e9 per GPU.
  gpu(
    'h100-80gb',
    'NVIDIA H100 SXM 80 GB',
    { bf16: 989e12, f32: 494.5e12, f8: 1979e12 },
    80e9,
    3.35e12,
    450e9,
    50e9,
    [
      SB_GPUS,
      'glennklockwood.com/garden/processors/h100 (NVIDIA datasheet): 989 TF bf16, 1979 TF fp8 dense, 80 GB HBM3 at 3.35 TB/s',
      'NVIDIA DGX BasePOD RA: DGX H100 = 4 NVSwitch, 8 × ConnectX-7 400 Gb/s (simulator.md §2.2)',
    ],
  ),
  gpu(
    'h200',
    'NVIDIA H200 SXM 141 GB',
    { bf16: 989e12, f32: 494.5e12, f8: 1979e12 },
    141e9,
    4.8e12,
    450e9,
    50e9,
    [
      SB_GPUS,
      'NVIDIA H200 spec aggregations: 141 GB HBM3e at 4.8 TB/s; compute as H100 SXM (simulator.md §2.2)',
      'NVIDIA DGX BasePOD RA: DGX H200 = 4 NVSwitch, 8 × ConnectX-7 400 Gb/s',
    ],
  ),
  // B200 (HGX, 1000 W): 2.25 PF bf16 dense, 4.5 PF fp8, 192 GB at 8 TB/s; NVLink 5 18 × 50 = 900e9 uni.
  gpu(
    'b200',
    'NVIDIA B200 (HGX, 1000 W)',
    { bf16: 2.25e15, f32: 1.125e15, f8: 4.5e15 },
    192e9,
    8.0e12,
    900e9,
    50e9,
    [
      SB_GPUS,
      'glennklockwood.com/garden/processors/B200 (NVIDIA datasheet): 2.25 PF bf16 dense, 4.5 PF fp8, 192 GB HBM3e at 8 TB/s (≈180 GB usable)',
      'NVIDIA DGX B200: 8 × ConnectX-7 400 Gb/s (simulator.md §2.2)',
    ],
  ),
];

export const HARDWARE: Readonly<Record<string, Hardware>> = Object.freeze(
  Object.fromEntries(CATALOG.map((h) => [h.name, h])),
);

/** A catalog device by name; a `custom:…` spec is parsed with parseHardware. */
export function hardwareByName(name: string): Hardware {
  const key = name.trim();
  if (key.startsWith('custom:')) return parseHardware(key);
  const hw = HARDWARE[key];
  if (!hw)
    throw new HardwareError(
      `unknown hardware '${name}'; known: ${Object.keys(HARDWARE).join(', ')}, or custom:bf16=…,hbm=…,hbm_bw=…`,
    );
  return hw;
}

/**
 * Keys of a custom device spec (bf16, hbm and hbm_bw are required). Numbers accept exponents (989e12). Bandwidths are per device,
 * one direction, bytes/s; latencies are seconds per hop.
 */
const CUSTOM_KEYS: Readonly<Record<string, string>> = {
  bf16: 'dense bf16 FLOP/s per chip',
  f16: 'dense f16 FLOP/s (default: bf16)',
  f32: 'dense f32 FLOP/s (default: bf16 / 2)',
  f8: 'dense f8 FLOP/s (default: none; f8 then runs at the bf16 rate)',
  hbm: 'HBM bytes',
  hbm_bw: 'HBM bytes/s',
  node: 'devices per fast domain: NVLink node or ICI pod (default 1, or the torus product)',
  ici: 'ICI bytes/s per link per direction',
  nvlink: 'NVLink bytes/s per device per direction',
  ib: 'InfiniBand bytes/s per device per direction',
  dcn: 'DCN bytes/s per device per direction',
  ici_lat: 's per ICI hop (default 1e-6)',
  nvlink_lat: 's per NVLink step (default 1.9e-6)',
  ib_lat: 's per InfiniBand step (default 4e-6)',
  dcn_lat: 's per DCN hop (default 1e-5)',
  torus: 'torus dims of the ICI pod, e.g. 4x4x4 (default: one dim of size node)',
  wrap: 'torus wraparound: true or false (default true)',
};

/** A user-defined device: `custom:bf16=989e12,hbm=80e9,hbm_bw=3.35e12,nvlink=450e9,ib=50e9,node=8`. */
export function parseHardware(spec: string): Hardware {
  const text = spec.trim();
  if (!text.startsWith('custom:'))
    throw new HardwareError(
      `custom hardware spec '${spec}' must start with 'custom:', e.g. custom:bf16=989e12,hbm=80e9,hbm_bw=3.35e12,nvlink=450e9,ib=50e9,node=8`,
    );
  const raw = new Map<string, string>();
  for (const part of text.slice('custom:'.length).split(',')) {
    const p = part.trim();
    if (!p) continue;
    const m = /^([a-z0-9_]+)\s*=\s*(\S+)$/.exec(p);
    if (!m) throw new HardwareError(`custom hardware: '${p}' is not key=value`);
    const [, key, value] = m;
    if (!(key in CUSTOM_KEYS))
      throw new HardwareError(
        `custom hardware: unknown key '${key}'; keys are ${Object.keys(CUSTOM_KEYS).join(', ')}`,
      );
    if (raw.has(key)) throw new HardwareError(`custom hardware: key '${key}' appears twice`);
    raw.set(key, value);
  }
  const num = (key: string): number | undefined => {
    const v = raw.get(key);
    if (v === undefined) return undefined;
    const x = Number(v);
    if (!Number.isFinite(x) || x <= 0)
      throw new HardwareError(
        `custom hardware: ${key}='${v}' is not a positive number (${CUSTOM_KEYS[key]})`,
      );
    return x;
  };
  const required = (key: string, example: string): number => {
    const x = num(key);
    if (x === undefined)
      throw new HardwareError(
        `custom hardware: '${key}' is required (${CUSTOM_KEYS[key]}, e.g. ${key}=${example})`,
      );
    return x;
  };
  const bf16 = required('bf16', '989e12');
  const hbmBytes = required('hbm', '80e9');
  const hbmBandwidth = required('hbm_bw', '3.35e12');
  const f8 = num('f8');

  let torus: Hardware['torus'];
  const torusText = raw.get('torus');
  const wrapText = raw.get('wrap');
  if (wrapText !== undefined && wrapText !== 'true' && wrapText !== 'false')
    throw new HardwareError(`custom hardware: wrap='${wrapText}' must be true or false`);
  if (torusText !== undefined) {
    const dims = torusText.split('x').map(Number);
    if (dims.some((d) => !Number.isInteger(d) || d < 1))
      throw new HardwareError(
        `custom hardware: torus='${torusText}' is not dims joined by x, e.g. torus=4x4x4`,
      );
    torus = { dims, wraparound: wrapText !== 'false' };
  }
  const nodeText = raw.get('node');
  let nodeSize: number;
  if (nodeText !== undefined) {
    nodeSize = Number(nodeText);
    if (!Number.isInteger(nodeSize) || nodeSize < 1)
      throw new HardwareError(
        `custom hardware: node='${nodeText}' is not a positive integer (${CUSTOM_KEYS.node})`,
      );
  } else nodeSize = torus ? torus.dims.reduce((a, b) => a * b, 1) : 1;
  if (torus && torus.dims.reduce((a, b) => a * b, 1) !== nodeSize)
    throw new HardwareError(
      `custom hardware: torus=${torusText} holds ${torus.dims.reduce((a, b) => a * b, 1)} chips but node=${nodeSize}`,
    );

  const links: Partial<Record<LinkKind, { bandwidth: number; latency: number }>> = {};
  const link = (kind: LinkKind, key: string, latKey: string, defaultLat: number) => {
    const bw = num(key);
    const lat = num(latKey);
    if (bw === undefined) {
      if (lat !== undefined)
        throw new HardwareError(
          `custom hardware: ${latKey} is given but ${key} (the bandwidth) is not`,
        );
      return;
    }
    links[kind] = { bandwidth: bw, latency: lat ?? defaultLat };
  };
  link('ici', 'ici', 'ici_lat', ICI_LATENCY);
  link('nvlink', 'nvlink', 'nvlink_lat', NVLINK_LATENCY);
  link('infiniband', 'ib', 'ib_lat', IB_LATENCY);
  link('dcn', 'dcn', 'dcn_lat', DCN_LATENCY);
  if (links.ici && !torus) torus = { dims: [nodeSize], wraparound: wrapText !== 'false' };
  if (!links.ici && torusText !== undefined)
    throw new HardwareError('custom hardware: torus is given but ici (the link bandwidth) is not');

  return {
    name: text,
    title: 'Custom device',
    vendor: 'custom',
    peakFlops: {
      bf16,
      f16: num('f16') ?? bf16,
      f32: num('f32') ?? bf16 / 2,
      ...(f8 ? { f8 } : {}),
    },
    hbmBytes,
    hbmBandwidth,
    nodeSize,
    links,
    ...(torus ? { torus } : {}),
    sources: ['user-supplied custom device spec'],
  };
}

/**
 * Peak dense FLOP/s for a compute dtype. f8 types use the f8 rate where the chip has one, else
 * bf16. Integer and boolean types use the bf16 rate as a stand-in (int8 is 2× bf16 on some chips,
 * e.g. TPU v5e; integer compute in training steps is index arithmetic, not matmuls).
 */
export function peakFlopsFor(hw: Hardware, dtype: DType): number {
  switch (dtype) {
    case 'f32':
      return hw.peakFlops.f32;
    case 'f16':
      return hw.peakFlops.f16;
    case 'bf16':
      return hw.peakFlops.bf16;
    case 'f8e4m3':
    case 'f8e5m2':
      return hw.peakFlops.f8 ?? hw.peakFlops.bf16;
    default:
      return hw.peakFlops.bf16;
  }
}
