/**
 * The "Code" field: CodeMirror, loaded lazily (its own chunk). Should the chunk fail to load (the network
 * gone), a plain textarea with the same name takes its place, so the page still works.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { EditorHandle } from '../editor/codemirror.js';
import type { Syntax } from '../logic/drafts.js';

export interface CodeEditorProps {
  value: string;
  syntax: Syntax;
  describedBy?: string;
  onChange: (value: string) => void;
  onSubmit: () => void;
}

export function CodeEditor(props: CodeEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const editor = useRef<EditorHandle | undefined>(undefined);
  const latest = useRef(props);
  latest.current = props;
  const [state, setState] = useState<'loading' | 'ready' | 'fallback'>('loading');

  useEffect(() => {
    let cancelled = false;
    import('../editor/codemirror.js').then(
      ({ createEditor }) => {
        if (cancelled || !host.current) return;
        editor.current = createEditor(host.current, {
          doc: latest.current.value,
          syntax: latest.current.syntax,
          label: 'Code',
          onChange: (doc) => latest.current.onChange(doc),
          onSubmit: () => latest.current.onSubmit(),
        });
        setState('ready');
      },
      () => !cancelled && setState('fallback'),
    );
    return () => {
      cancelled = true;
      editor.current?.destroy();
      editor.current = undefined;
    };
  }, []);

  useEffect(() => editor.current?.setSyntax(props.syntax), [props.syntax]);
  useEffect(() => editor.current?.setDoc(props.value), [props.value]);

  if (state === 'fallback') {
    return (
      <textarea
        class="code-fallback"
        aria-label="Code"
        aria-describedby={props.describedBy}
        spellcheck={false}
        value={props.value}
        onInput={(event) => props.onChange(event.currentTarget.value)}
      />
    );
  }
  return (
    <div class="editor">
      {state === 'loading' ? <p class="editor-loading">Loading the editor…</p> : null}
      <div ref={host} />
    </div>
  );
}
