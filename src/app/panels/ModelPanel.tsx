// The model: a preset or family with its options as fields, or an imported StableHLO file. The spec text is the source of
// truth (`gpt2-small:layers=4,batch=16`): a field edits one override, validated on the main
// thread with the zoo's own parser (cheap, no build) so errors show at the field at once.
import { useMemo, useRef, useState } from 'react';
import {
  COMMON_OPTIONS,
  FAMILIES,
  PRESETS,
  formatOptionValue,
  parseModelSpec,
  type OptionDef,
} from '../../core/models/index.ts';
import { useWorkbench } from '../state/store.ts';

/** The options most people change first, shown before the rest. */
const FIRST = ['layers', 'd_model', 'heads', 'ffn', 'seq', 'batch', 'remat', 'accum', 'train'];

export function splitSpec(spec: string): { head: string; overrides: [string, string][] } {
  const colon = spec.indexOf(':');
  const head = (colon < 0 ? spec : spec.slice(0, colon)).trim();
  const overrides = (colon < 0 ? '' : spec.slice(colon + 1))
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => {
      const eq = p.indexOf('=');
      return (eq < 0 ? [p, ''] : [p.slice(0, eq).trim(), p.slice(eq + 1).trim()]) as [
        string,
        string,
      ];
    });
  return { head, overrides };
}

export function joinSpec(head: string, overrides: readonly [string, string][]): string {
  return overrides.length ? `${head}:${overrides.map(([k, v]) => `${k}=${v}`).join(',')}` : head;
}

function withOverride(spec: string, key: string, value: string | null): string {
  const { head, overrides } = splitSpec(spec);
  const rest = overrides.filter(([k]) => k !== key);
  const i = overrides.findIndex(([k]) => k === key);
  if (value === null) return joinSpec(head, rest);
  const next = [...overrides];
  if (i < 0) next.push([key, value]);
  else next[i] = [key, value];
  return joinSpec(head, next);
}

export function ModelPanel() {
  const model = useWorkbench((s) => s.workspace.model);
  const setModel = useWorkbench((s) => s.setModel);
  const runError = useWorkbench((s) => (s.result.error?.place === 'model' ? s.result.error : null));
  // primitives, so a new result with the same model does not re-render the panel
  const ops = useWorkbench((s) => s.result.run?.model.ops);
  const title = useWorkbench((s) => s.result.run?.model.title);
  const spec = model.kind === 'preset' ? model.spec : '';
  const [draft, setDraft] = useState<{ spec: string; error: string; field?: string } | null>(null);

  const parsed = useMemo(() => {
    try {
      return { spec: parseModelSpec(spec), error: null };
    } catch (e) {
      return { spec: null, error: (e as Error).message };
    }
  }, [spec]);
  const { head, overrides } = splitSpec(spec);
  const family = FAMILIES.get(parsed.spec?.family ?? '');
  const defs: OptionDef[] = family ? [...family.options, ...COMMON_OPTIONS] : [];
  const ordered = [
    ...FIRST.map((n) => defs.find((d) => d.name === n)).filter((d): d is OptionDef => !!d),
    ...defs.filter((d) => !FIRST.includes(d.name)),
  ];

  const tryCommit = (next: string, field?: string) => {
    try {
      parseModelSpec(next);
      setDraft(null);
      setModel({ kind: 'preset', spec: next });
    } catch (e) {
      setDraft({ spec: next, error: (e as Error).message, field });
    }
  };
  const value = (d: OptionDef): string => {
    const o = overrides.find(([k]) => k === d.name);
    if (o) return o[1];
    const all = { ...parsed.spec?.options, ...parsed.spec?.common } as Record<string, unknown>;
    const v = all[d.name];
    return v === undefined ? '' : formatOptionValue(v as never);
  };

  const field = (d: OptionDef) => (
    <OptionField
      key={d.name + spec}
      def={d}
      value={value(d)}
      overridden={overrides.some(([k]) => k === d.name)}
      error={draft?.field === d.name ? draft.error : undefined}
      onChange={(v) => tryCommit(withOverride(spec, d.name, v), d.name)}
    />
  );

  return (
    <section className="panel" aria-labelledby="model-h">
      <h2 id="model-h">Model</h2>
      <label className="field">
        <span>Preset or family</span>
        <select
          data-testid="model-preset"
          value={model.kind === 'file' ? '' : head}
          onChange={(e) => e.target.value && tryCommit(e.target.value)}
        >
          {model.kind === 'file' && <option value="">(imported file)</option>}
          <optgroup label="Presets">
            {PRESETS.map((p) => (
              <option key={p.name} value={p.name} title={p.description}>
                {p.name}
              </option>
            ))}
          </optgroup>
          <optgroup label="Families">
            {[...FAMILIES.values()].map((f) => (
              <option key={f.name} value={f.name} title={f.description}>
                {f.name}
              </option>
            ))}
          </optgroup>
        </select>
      </label>
      {model.kind === 'file' ? (
        <p className="hint" data-testid="model-file">
          StableHLO file <b>{model.name}</b> ({Math.ceil(model.text.length / 1024)} KiB). Pick a
          preset to go back to the zoo.
        </p>
      ) : (
        <label className="field">
          <span>Spec</span>
          <input
            data-testid="model-spec"
            key={spec}
            defaultValue={spec}
            spellCheck={false}
            onKeyDown={(e) => e.key === 'Enter' && tryCommit(e.currentTarget.value.trim())}
            onBlur={(e) =>
              e.currentTarget.value.trim() !== spec && tryCommit(e.currentTarget.value.trim())
            }
          />
        </label>
      )}
      <OpenFile onOpen={(name, text) => setModel({ kind: 'file', name, text })} />
      {draft && !draft.field && (
        <p className="error" role="alert" data-testid="model-error">
          {draft.error}
        </p>
      )}
      {runError && (
        <p className="error" role="alert" data-testid="model-error">
          {runError.message}
        </p>
      )}
      {ops !== undefined && (
        <p className="hint" data-testid="model-summary">
          {title}: {ops.toLocaleString('en-US')} ops
        </p>
      )}
      {model.kind === 'preset' && (
        <details className="options">
          <summary>Options ({ordered.length})</summary>
          <div className="option-grid">{ordered.map(field)}</div>
        </details>
      )}
    </section>
  );
}

function OptionField(props: {
  def: OptionDef;
  value: string;
  overridden: boolean;
  error?: string;
  onChange(v: string | null): void;
}) {
  const { def, value, overridden, error, onChange } = props;
  const id = `opt-${def.name}`;
  const input =
    def.type === 'enum' || def.type === 'bool' ? (
      <select id={id} data-testid={id} value={value} onChange={(e) => onChange(e.target.value)}>
        {(def.type === 'bool' ? ['true', 'false'] : (def.allowed ?? [])).map((a) => (
          <option key={a}>{a}</option>
        ))}
      </select>
    ) : (
      <input
        id={id}
        data-testid={id}
        defaultValue={value}
        inputMode={def.type === 'int' || def.type === 'float' ? 'numeric' : 'text'}
        onKeyDown={(e) => e.key === 'Enter' && e.currentTarget.blur()}
        onBlur={(e) =>
          e.currentTarget.value.trim() !== value && onChange(e.currentTarget.value.trim() || null)
        }
      />
    );
  return (
    <div className={`option${overridden ? ' overridden' : ''}`} title={def.doc}>
      <label htmlFor={id}>{def.name}</label>
      {input}
      {error && (
        <p className="error" role="alert" data-testid="model-error">
          {error}
        </p>
      )}
    </div>
  );
}

/** StableHLO text from a file or pasted (JAX: `jax.jit(f).lower(...).as_text()`). */
function OpenFile(props: { onOpen(name: string, text: string): void }) {
  const input = useRef<HTMLInputElement>(null);
  const [paste, setPaste] = useState(false);
  const [text, setText] = useState('');
  return (
    <div className="open-file">
      <button className="small" onClick={() => input.current?.click()} data-testid="open-file">
        Open StableHLO…
      </button>
      <button className="small ghost" onClick={() => setPaste((p) => !p)}>
        Paste
      </button>
      <input
        ref={input}
        type="file"
        accept=".mlir,.txt,text/plain"
        hidden
        data-testid="open-file-input"
        onChange={async (e) => {
          const f = e.target.files?.[0];
          e.target.value = '';
          if (f) props.onOpen(f.name, await f.text());
        }}
      />
      {paste && (
        <div className="paste">
          <textarea
            rows={5}
            placeholder="module @jit_f { func.func public @main(...) ... }"
            value={text}
            onChange={(e) => setText(e.target.value)}
            data-testid="paste-text"
          />
          <button
            className="small"
            disabled={!text.trim()}
            onClick={() => {
              props.onOpen('pasted.mlir', text);
              setPaste(false);
            }}
          >
            Import
          </button>
        </div>
      )}
    </div>
  );
}
