import type { StageReport } from './cascade-result.js';

/** Events a cascade emits, for telemetry. Listeners run synchronously and must not throw. */
export type CascadeEvent =
  | {
      type: 'stage-start';
      query: string;
      stageId: string;
      kind: 'retrieval' | 'score';
      inputCount: number;
    }
  | { type: 'stage-end'; query: string; report: StageReport }
  | {
      type: 'batch-end';
      query: string;
      stageId: string;
      /** 0-based index of the batch in this stage run. */
      batchIndex: number;
      /** Pairs in this batch. */
      batchSize: number;
      /** Pairs scored so far in this stage run. */
      scoredCount: number;
      wallMs: number;
    };

/** The name of a {@link CascadeEvent}. */
export type CascadeEventType = CascadeEvent['type'];

/** A listener of one event type. */
export type CascadeEventListener<Type extends CascadeEventType> = (
  event: Extract<CascadeEvent, { type: Type }>,
) => void;

/** A tiny typed event emitter; a throwing listener is reported as a process warning, never rethrown. */
export function createEventHub() {
  const listeners = new Map<CascadeEventType, Set<(event: CascadeEvent) => void>>();
  return {
    on<Type extends CascadeEventType>(
      type: Type,
      listener: CascadeEventListener<Type>,
    ): () => void {
      const set = listeners.get(type) ?? new Set();
      listeners.set(type, set);
      const wrapped = listener as (event: CascadeEvent) => void;
      set.add(wrapped);
      return () => {
        set.delete(wrapped);
      };
    },
    emit(event: CascadeEvent): void {
      const set = listeners.get(event.type);
      if (!set) return;
      for (const listener of set) {
        try {
          listener(event);
        } catch (error) {
          process.emitWarning(
            `[cascade] a '${event.type}' listener threw: ${String(error)}`,
            'SieveListenerWarning',
          );
        }
      }
    },
  };
}

/** The event hub of a cascade. */
export type EventHub = ReturnType<typeof createEventHub>;
