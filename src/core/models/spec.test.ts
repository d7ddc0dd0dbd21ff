import { describe, expect, it } from 'vitest';
import { formatOptionValue, parseOptionValue } from './options.ts';
import {
  COMMON_OPTIONS,
  ModelSpecError,
  MODEL_FAMILIES,
  buildModel,
  formatModelSpec,
  listPresets,
  parseModelSpec,
} from './spec.ts';

function errorOf(spec: string): string {
  try {
    parseModelSpec(spec);
  } catch (e) {
    expect(e).toBeInstanceOf(ModelSpecError);
    return (e as Error).message;
  }
  throw new Error(`'${spec}' parsed`);
}

describe('parseModelSpec: good specs', () => {
  it('a preset name resolves to its family and options, with common defaults', () => {
    const s = parseModelSpec('gpt3-175b');
    expect(s.family).toBe('gpt');
    expect(s.preset).toBe('gpt3-175b');
    expect(s.options).toMatchObject({
      layers: 96,
      d_model: 12288,
      heads: 96,
      seq: 2048,
      vocab: 50257,
      tied: true,
      positions: 'learned',
    });
    expect(s.common).toEqual({
      batch: 8,
      train: true,
      remat: 'none',
      accum: 1,
      dtype: 'bf16',
      optimizer: 'adam',
    });
  });

  it('a preset with overrides keeps the preset and replaces the given keys', () => {
    const s = parseModelSpec(
      'gpt3-175b:batch=32,remat=selective,accum=4,dtype=f32,optimizer=adamw,layers=8',
    );
    expect(s.common).toEqual({
      batch: 32,
      train: true,
      remat: 'selective',
      accum: 4,
      dtype: 'f32',
      optimizer: 'adamw',
    });
    expect(s.options).toMatchObject({ layers: 8, d_model: 12288 });
  });

  it('a family with options starts from the family defaults', () => {
    const s = parseModelSpec(
      'gpt:layers=48,d_model=6144,heads=64,ffn=24576,seq=2048,vocab=51200,batch=4',
    );
    expect(s.preset).toBeUndefined();
    expect(s.options).toMatchObject({
      layers: 48,
      d_model: 6144,
      heads: 64,
      ffn: 24576,
      seq: 2048,
      vocab: 51200,
      positions: 'learned',
      scan: false,
    });
    expect(s.common.batch).toBe(4);
  });

  it('tolerates spaces around keys and values, and parses floats, bools, enums and lists', () => {
    const s = parseModelSpec(' moe : capacity_factor = 1.5e0 , scan=true, mlp=swiglu ');
    expect(s.options).toMatchObject({ capacity_factor: 1.5, scan: true, mlp: 'swiglu' });
    expect(parseModelSpec('unet:ch_mult=1/2/4,attn_res=8/16').options).toMatchObject({
      ch_mult: [1, 2, 4],
      attn_res: [8, 16],
    });
  });

  it('formatModelSpec writes a spec that parses back to the same spec (minus the preset name)', () => {
    for (const text of ['llama2-70b:batch=2', 'unet:ch_mult=1/2/4', 'moe:top_k=1,train=false']) {
      const s = parseModelSpec(text);
      const back = parseModelSpec(formatModelSpec(s));
      expect(back.options).toEqual(s.options);
      expect(back.common).toEqual(s.common);
    }
  });
});

describe('parseModelSpec: bad specs say what was wrong', () => {
  it('an unknown model lists the presets and the families', () => {
    const m = errorOf('gpt5');
    expect(m).toMatch(
      /^unknown model 'gpt5': expected a preset \(gpt2-small, gpt2-medium, .*\) or a family \(mlp, gpt, moe, vit, multimodal, unet, gns\)$/,
    );
  });

  it('an unknown key lists the valid keys of that family', () => {
    expect(errorOf('gpt:layer=4')).toBe(
      "unknown option 'layer' for family 'gpt'; valid keys: layers, d_model, heads, attention, kv_heads, head_dim, ffn, vocab, seq, max_seq, positions, rope_theta, mlp, bias, norm, eps, tied, parallel, scan, batch, train, remat, accum, dtype, optimizer",
    );
    expect(errorOf('vit-base:experts=4')).toMatch(
      /^unknown option 'experts' for preset 'vit-base' \(family vit\); valid keys: layers, d_model, heads, /,
    );
  });

  it('a value that does not parse names the key and the expected form', () => {
    expect(errorOf('gpt:layers=abc')).toBe('layers=abc does not parse: expected a whole number');
    expect(errorOf('gpt:layers=2.5')).toBe('layers=2.5 does not parse: expected a whole number');
    expect(errorOf('gpt:scan=yes')).toBe('scan=yes does not parse: expected true or false');
    expect(errorOf('gpt:mlp=relu2')).toBe(
      'mlp=relu2 does not parse: expected one of gelu|relu|swiglu|geglu',
    );
    expect(errorOf('gpt2-small:remat=some')).toBe(
      'remat=some does not parse: expected one of none|full|selective',
    );
    expect(errorOf('moe:capacity_factor=lots')).toBe(
      'capacity_factor=lots does not parse: expected a number',
    );
    expect(errorOf('unet:ch_mult=1/x')).toBe(
      "ch_mult=1/x does not parse: expected whole numbers separated by '/', e.g. 1/2/2/2",
    );
  });

  it('a value out of range says the bound', () => {
    expect(errorOf('gpt:layers=0')).toBe('layers=0 is out of range: must be at least 1');
    expect(errorOf('moe:top_k=3')).toBe('top_k=3 is out of range: must be at most 2');
    expect(errorOf('gpt2-small:batch=0')).toBe('batch=0 is out of range: must be at least 1');
  });

  it('options that do not fit together name the rule', () => {
    expect(errorOf('gpt:heads=7')).toBe(
      "heads=7 does not divide d_model=768 (set head_dim to decouple them) (in 'gpt:heads=7')",
    );
    expect(errorOf('gpt:kv_heads=5')).toBe("kv_heads=5 must divide heads=12 (in 'gpt:kv_heads=5')");
    expect(errorOf('gpt:attention=gqa')).toBe(
      "attention=gqa needs 1 < kv_heads < heads=12, got kv_heads=12 (in 'gpt:attention=gqa')",
    );
    expect(errorOf('gpt:seq=2048,max_seq=1024')).toBe(
      "seq=2048 exceeds max_seq=1024 (in 'gpt:seq=2048,max_seq=1024')",
    );
    expect(errorOf('gpt2-small:accum=4,train=false')).toBe(
      "accum=4 needs train=true (in 'gpt2-small:accum=4,train=false')",
    );
    expect(errorOf('moe:scan=true,moe_every=2')).toBe(
      "scan=true needs identical layers: moe_every must be 1, got 2 (in 'moe:scan=true,moe_every=2')",
    );
    expect(errorOf('vit:image=100')).toBe(
      "patch=16 does not divide image=100 (in 'vit:image=100')",
    );
    expect(errorOf('unet:image=30')).toBe(
      "image=30 must be divisible by 2^(levels−1) = 8 for ch_mult=1/2/2/2 (in 'unet:image=30')",
    );
  });

  it('malformed lists: empty spec, missing =, empty value, repeated key', () => {
    expect(errorOf('  ')).toMatch(
      /^empty model spec: expected a preset \(gpt2-small, .*\) or a family with options, e\.g\. gpt:layers=12$/,
    );
    expect(errorOf('gpt:layers')).toBe("option 'layers' is not key=value (in 'gpt:layers')");
    expect(errorOf('gpt:layers=')).toBe("option 'layers' has no value (in 'gpt:layers=')");
    expect(errorOf('gpt:layers=2,layers=3')).toBe(
      "option 'layers' is given twice (in 'gpt:layers=2,layers=3')",
    );
  });
});

describe('families and presets for help text', () => {
  it('every option of every family documents itself and its default parses back', () => {
    for (const f of MODEL_FAMILIES) {
      expect(f.description.length).toBeGreaterThan(20);
      for (const d of [...f.options, ...COMMON_OPTIONS]) {
        expect(d.doc.length, `${f.name}.${d.name}`).toBeGreaterThan(5);
        if (d.type === 'enum') expect(d.allowed).toContain(d.default);
        expect(parseOptionValue(d, formatOptionValue(d.default))).toEqual(d.default);
      }
    }
  });

  it('listPresets gives every preset with a known family, its built parameter count and its source', () => {
    const families = new Set(MODEL_FAMILIES.map((f) => f.name));
    const presets = listPresets();
    expect(presets.length).toBeGreaterThanOrEqual(19);
    for (const p of presets) {
      expect(families.has(p.family), p.name).toBe(true);
      expect(p.params).toBeGreaterThan(0);
      expect(p.source).toMatch(/model-configs\.md §\d+/);
    }
  });

  it('buildModel accepts a parsed spec or its text', () => {
    const a = buildModel(
      parseModelSpec('gpt:layers=1,d_model=8,heads=2,vocab=11,seq=4,batch=1,train=false'),
    );
    const b = buildModel('gpt:layers=1,d_model=8,heads=2,vocab=11,seq=4,batch=1,train=false');
    expect(a.main.ops.length).toBe(b.main.ops.length);
    expect(a.name).toBe('gpt');
  });
});
