/**
 * What the page keeps in the browser across reloads: the last code, language and input (so a reload
 * loses no work) and the signed-in name (the session itself is the API's HttpOnly cookie, never readable here).
 */

export interface CodeDraft {
  translator: string;
  code: string;
  stdin: string;
}

const DRAFT_KEY = 'conveyor.code-draft';
const USER_KEY = 'conveyor.username';

export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export function loadDraft(store: KeyValueStore): CodeDraft | undefined {
  try {
    const parsed = JSON.parse(store.getItem(DRAFT_KEY) ?? 'null') as Partial<CodeDraft> | null;
    if (!parsed || typeof parsed.code !== 'string' || typeof parsed.translator !== 'string') return undefined;
    return {
      translator: parsed.translator,
      code: parsed.code,
      stdin: typeof parsed.stdin === 'string' ? parsed.stdin : '',
    };
  } catch {
    return undefined;
  }
}

export function saveDraft(store: KeyValueStore, draft: CodeDraft): void {
  try {
    store.setItem(DRAFT_KEY, JSON.stringify(draft));
  } catch {
    // Storage full or disabled (private mode): the draft lives only in the page.
  }
}

export function loadUsername(store: KeyValueStore): string | undefined {
  return store.getItem(USER_KEY) ?? undefined;
}

export function saveUsername(store: KeyValueStore, name: string | undefined): void {
  if (name === undefined) store.removeItem(USER_KEY);
  else store.setItem(USER_KEY, name);
}

/** A first program per translator, for an empty editor. */
export const SAMPLES: Record<string, string> = {
  node: 'const name = require("fs").readFileSync(0, "utf8").trim();\nconsole.log("Hello, " + name + "!");\n',
  python3: 'name = input()\nprint(f"Hello, {name}!")\n',
  gcc: '#include <stdio.h>\n\nint main(void) {\n  char name[64];\n  if (scanf("%63s", name) == 1) printf("Hello, %s!\\n", name);\n  return 0;\n}\n',
  clang:
    '#include <stdio.h>\n\nint main(void) {\n  char name[64];\n  if (scanf("%63s", name) == 1) printf("Hello, %s!\\n", name);\n  return 0;\n}\n',
  'g++':
    '#include <iostream>\n#include <string>\n\nint main() {\n  std::string name;\n  std::cin >> name;\n  std::cout << "Hello, " << name << "!\\n";\n}\n',
  'clang++':
    '#include <iostream>\n#include <string>\n\nint main() {\n  std::string name;\n  std::cin >> name;\n  std::cout << "Hello, " << name << "!\\n";\n}\n',
};

export type Syntax = 'python' | 'cpp' | 'javascript';

/** The editor's syntax for a translator's language (GET /limits says which language each one is). */
export function syntaxOf(language: string | undefined): Syntax {
  if (language === 'python') return 'python';
  if (language === 'javascript') return 'javascript';
  return 'cpp';
}

const LANGUAGE_NAMES: Record<string, string> = { c: 'C', 'c++': 'C++', python: 'Python', javascript: 'JavaScript' };

/** "C (gcc)", "Python (python3)": the language a person knows, then the translator the API runs. */
export function translatorLabel(translator: string, language: string | undefined): string {
  const name = language ? (LANGUAGE_NAMES[language] ?? language) : undefined;
  return name ? `${name} (${translator})` : translator;
}
