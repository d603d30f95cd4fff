/**
 * The code editor, CodeMirror 6 with C/C++, Python and JavaScript highlighting. Loaded as a chunk of its own when the
 * code page first shows, so the first load stays small. Tab indents; Escape then Tab leaves the editor
 * (CodeMirror's own escape hatch for keyboard users); Ctrl/Cmd+Enter runs.
 *
 * It lives in a shadow root: there CodeMirror's generated styles go into constructable stylesheets, which
 * the page's CSP (no inline style elements) allows; in the document itself they would be <style> tags.
 */
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { cpp } from '@codemirror/lang-cpp';
import { javascript } from '@codemirror/lang-javascript';
import { python } from '@codemirror/lang-python';
import { bracketMatching, defaultHighlightStyle, indentOnInput, syntaxHighlighting } from '@codemirror/language';
import { Compartment, EditorState, Prec } from '@codemirror/state';
import {
  drawSelection,
  EditorView,
  highlightActiveLine,
  highlightActiveLineGutter,
  keymap,
  lineNumbers,
} from '@codemirror/view';
import type { Syntax } from '../logic/drafts.js';

export interface EditorOptions {
  doc: string;
  syntax: Syntax;
  label: string;
  onChange: (doc: string) => void;
  onSubmit: () => void;
}

export interface EditorHandle {
  setSyntax(syntax: Syntax): void;
  setDoc(doc: string): void;
  focus(): void;
  destroy(): void;
}

const languageOf = (syntax: Syntax) =>
  syntax === 'python' ? python() : syntax === 'javascript' ? javascript() : cpp();

/** What the page's stylesheet cannot reach inside the shadow root. */
const theme = EditorView.theme({
  '&': { height: 'var(--editor-height, 340px)', fontSize: '0.9rem', backgroundColor: '#fff' },
  '&.cm-focused': { outline: '3px solid #3146d4', outlineOffset: '-3px' },
  '.cm-scroller': { fontFamily: 'ui-monospace, "SFMono-Regular", "DejaVu Sans Mono", Menlo, Consolas, monospace' },
  '.cm-gutters': { backgroundColor: '#f3f4f8', color: '#566073', borderRight: '1px solid #dde1ea' },
  '.cm-activeLine': { backgroundColor: '#f3f5ff' },
  '.cm-activeLineGutter': { backgroundColor: '#e8ecff', color: '#1c2333' },
});

export function createEditor(host: HTMLElement, options: EditorOptions): EditorHandle {
  const language = new Compartment();
  const root = host.shadowRoot ?? host.attachShadow({ mode: 'open' });
  const view = new EditorView({
    parent: root,
    root,
    state: EditorState.create({
      doc: options.doc,
      extensions: [
        Prec.highest(
          keymap.of([
            {
              key: 'Mod-Enter',
              run: () => {
                options.onSubmit();
                return true;
              },
            },
          ]),
        ),
        theme,
        lineNumbers(),
        highlightActiveLineGutter(),
        highlightActiveLine(),
        history(),
        drawSelection(),
        indentOnInput(),
        bracketMatching(),
        syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
        keymap.of([...defaultKeymap, ...historyKeymap, indentWithTab]),
        language.of(languageOf(options.syntax)),
        // aria-describedby cannot reach the page's hint across the shadow root: the label says the keys.
        EditorView.contentAttributes.of({ 'aria-label': options.label }),
        EditorView.updateListener.of((update) => {
          if (update.docChanged) options.onChange(update.state.doc.toString());
        }),
      ],
    }),
  });
  return {
    setSyntax: (syntax) => view.dispatch({ effects: language.reconfigure(languageOf(syntax)) }),
    setDoc: (doc) => {
      if (doc !== view.state.doc.toString()) {
        view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: doc } });
      }
    },
    focus: () => view.focus(),
    destroy: () => {
      view.destroy();
      root.replaceChildren();
    },
  };
}
