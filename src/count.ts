/** "1 change", "3 changes": a count with its noun, for the summaries and warnings people read. Nouns here take a plain "s". */
export const count = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? "" : "s"}`;
