/**
 * The code editor, CodeMirror 6 with C/C++ and Python highlighting. Loaded as a chunk of its own when the
 * code page first shows, so the first load stays small. Tab indents; Escape then Tab leaves the editor
 * (CodeMirror's own escape hatch for keyboard users); Ctrl/Cmd+Enter runs.
 */
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { cpp } from '@codemirror/lang-cpp';
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

export interface EditorOptions {
  doc: string;
  syntax: 'python' | 'cpp';
  label: string;
  describedBy?: string;
  onChange: (doc: string) => void;
  onSubmit: () => void;
}

export interface EditorHandle {
  setSyntax(syntax: 'python' | 'cpp'): void;
  setDoc(doc: string): void;
  focus(): void;
  destroy(): void;
}

const languageOf = (syntax: 'python' | 'cpp') => (syntax === 'python' ? python() : cpp());

export function createEditor(parent: HTMLElement, options: EditorOptions): EditorHandle {
  const language = new Compartment();
  const view = new EditorView({
    parent,
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
        EditorView.contentAttributes.of({
          'aria-label': options.label,
          ...(options.describedBy ? { 'aria-describedby': options.describedBy } : {}),
        }),
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
    destroy: () => view.destroy(),
  };
}
