/**
 * The image page's filter chain: steps added, removed, reordered and edited, checked against the API's
 * caps (GET /limits) before anything is sent. Pure: the page keeps the steps in state and renders them.
 */
import type { ClientLimits } from '../api/types.js';

type ImageLimits = ClientLimits['image'];

export interface ChainStep {
  /** Stable across edits and moves, for keys and focus. */
  id: number;
  name: string;
  /** As typed; checked by validateChain. */
  sigma: string;
}

export type ChainAction =
  | { type: 'add'; name?: string }
  | { type: 'remove'; id: number }
  | { type: 'move'; id: number; by: -1 | 1 }
  | { type: 'rename'; id: number; name: string }
  | { type: 'sigma'; id: number; value: string };

/** A step as POST /task takes it. */
export interface WireStep {
  name: string;
  parameters?: { sigma: number };
}

export type ChainCheck = { ok: true; steps: WireStep[] } | { ok: false; chain?: string; steps: Map<number, string> };

let lastId = 0;
const nextId = () => ++lastId;

export function newStep(limits: ImageLimits, name = limits.filters[0] ?? 'Blur'): ChainStep {
  return { id: nextId(), name, sigma: String(limits.sigma.default) };
}

export function takesSigma(limits: ImageLimits, name: string): boolean {
  return limits.sigma_filters.includes(name);
}

export function reduceChain(steps: readonly ChainStep[], action: ChainAction, limits: ImageLimits): ChainStep[] {
  switch (action.type) {
    case 'add':
      return steps.length >= limits.max_steps ? [...steps] : [...steps, newStep(limits, action.name)];
    case 'remove':
      return steps.filter((step) => step.id !== action.id);
    case 'move': {
      const from = steps.findIndex((step) => step.id === action.id);
      const to = from + action.by;
      if (from < 0 || to < 0 || to >= steps.length) return [...steps];
      const moved = [...steps];
      const [step] = moved.splice(from, 1);
      moved.splice(to, 0, step as ChainStep);
      return moved;
    }
    case 'rename':
      return steps.map((step) => (step.id === action.id ? { ...step, name: action.name } : step));
    case 'sigma':
      return steps.map((step) => (step.id === action.id ? { ...step, sigma: action.value } : step));
  }
}

export function sigmaProblem(limits: ImageLimits, text: string): string | undefined {
  const { exclusive_min: min, max } = limits.sigma;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value <= min || value > max) {
    return `Sigma must be a number greater than ${min} and at most ${max}.`;
  }
  return undefined;
}

/** The chain as the API takes it, or what is wrong: per step (by id) and for the chain as a whole. */
export function validateChain(steps: readonly ChainStep[], limits: ImageLimits): ChainCheck {
  const problems = new Map<number, string>();
  let chain: string | undefined;
  if (steps.length === 0) chain = 'Add at least one filter.';
  if (steps.length > limits.max_steps) chain = `A chain takes at most ${limits.max_steps} filters.`;
  const wire: WireStep[] = [];
  for (const step of steps) {
    if (!limits.filters.includes(step.name)) {
      problems.set(step.id, `Unknown filter ${step.name}.`);
      continue;
    }
    if (takesSigma(limits, step.name)) {
      const problem = sigmaProblem(limits, step.sigma);
      if (problem) problems.set(step.id, problem);
      else wire.push({ name: step.name, parameters: { sigma: Number(step.sigma) } });
    } else {
      wire.push({ name: step.name });
    }
  }
  if (chain || problems.size > 0) return { ok: false, ...(chain ? { chain } : {}), steps: problems };
  return { ok: true, steps: wire };
}

/** A short description of a chain, as "Blur σ 1.5 → Negative". */
export function describeChain(steps: readonly WireStep[]): string {
  return steps.map((s) => (s.parameters ? `${s.name} σ ${s.parameters.sigma}` : s.name)).join(' → ');
}
