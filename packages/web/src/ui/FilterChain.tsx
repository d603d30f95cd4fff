/** The chain of filters: add, remove, reorder, a sigma for the filters that take one (logic/filter-chain.ts). */
import type { ClientLimits } from '../api/types.js';
import { type ChainAction, type ChainStep, takesSigma } from '../logic/filter-chain.js';
import { FieldError } from './common.js';

export interface FilterChainProps {
  steps: ChainStep[];
  limits: ClientLimits['image'];
  problems: Map<number, string>;
  chainProblem: string | undefined;
  dispatch: (action: ChainAction) => void;
}

export function FilterChain(props: FilterChainProps) {
  const { steps, limits, problems, dispatch } = props;
  const { exclusive_min: min, max } = limits.sigma;
  return (
    <fieldset class="chain" aria-describedby={props.chainProblem ? 'chain-error' : undefined}>
      <legend>Filters, applied in order</legend>
      <ol>
        {steps.map((step, index) => {
          const n = index + 1;
          const problem = problems.get(step.id);
          return (
            <li key={step.id}>
              <fieldset class="step">
                <legend class="visually-hidden">{`Step ${n}: ${step.name}`}</legend>
                <span class="step-number" aria-hidden="true">
                  {n}
                </span>
                <div class="field">
                  <label for={`filter-${step.id}`}>Filter</label>
                  <select
                    id={`filter-${step.id}`}
                    value={step.name}
                    onChange={(event) => dispatch({ type: 'rename', id: step.id, name: event.currentTarget.value })}
                  >
                    {limits.filters.map((name) => (
                      <option key={name} value={name}>
                        {name}
                      </option>
                    ))}
                  </select>
                </div>
                {takesSigma(limits, step.name) ? (
                  <div class="field small">
                    <label for={`sigma-${step.id}`}>Sigma</label>
                    <input
                      id={`sigma-${step.id}`}
                      type="number"
                      inputMode="decimal"
                      step="0.1"
                      min={min}
                      max={max}
                      value={step.sigma}
                      aria-invalid={problem ? true : undefined}
                      aria-describedby={problem ? `sigma-${step.id}-error` : 'sigma-hint'}
                      onInput={(event) => dispatch({ type: 'sigma', id: step.id, value: event.currentTarget.value })}
                    />
                  </div>
                ) : (
                  <div class="field small no-parameter" aria-hidden="true" />
                )}
                <div class="step-buttons">
                  <button
                    type="button"
                    class="icon"
                    aria-label={`Move step ${n} up`}
                    title="Move up"
                    disabled={index === 0}
                    onClick={() => dispatch({ type: 'move', id: step.id, by: -1 })}
                  >
                    ↑
                  </button>
                  <button
                    type="button"
                    class="icon"
                    aria-label={`Move step ${n} down`}
                    title="Move down"
                    disabled={index === steps.length - 1}
                    onClick={() => dispatch({ type: 'move', id: step.id, by: 1 })}
                  >
                    ↓
                  </button>
                  <button
                    type="button"
                    class="icon"
                    aria-label={`Remove step ${n}`}
                    title="Remove"
                    onClick={() => dispatch({ type: 'remove', id: step.id })}
                  >
                    ✕
                  </button>
                </div>
                <FieldError id={`sigma-${step.id}-error`} message={problem} />
              </fieldset>
            </li>
          );
        })}
      </ol>
      <p id="sigma-hint" class="hint">
        Sigma: more than {min}, at most {max}. Up to {limits.max_steps} filters.
      </p>
      <FieldError id="chain-error" message={props.chainProblem} />
      <button type="button" onClick={() => dispatch({ type: 'add' })} disabled={steps.length >= limits.max_steps}>
        Add filter
      </button>
    </fieldset>
  );
}
