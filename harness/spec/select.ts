import type { BoardSpec, Selector } from './types.js';

/** The boards a selector names: any with one of its tags, plus its ids; no selector is every board. */
export function selectBoards(boards: readonly BoardSpec[], sel: Selector | undefined): BoardSpec[] {
  if (!sel || (!sel.tags?.length && !sel.ids?.length)) return [...boards];
  return boards.filter((b) => sel.ids?.includes(b.id) || b.tags.some((t) => sel.tags?.includes(t)));
}
