// The benchmark books: the project's generated book (src/input/bookgen.rs, printed by the CLI's
// `sample --generated N`: BTC and ETH on 8 expiries, inverse options of both kinds, inverse futures
// and perpetuals, linear options) with every fourth line replaced by a SOL_USDC option on the same
// 8 expiries and 40 strikes, so every book spans BTC, ETH and SOL. One source for the bench, the
// peers and the tests.
import { execFileSync } from "node:child_process";

export const CLI = new URL("../target/release/portfolio-margin", import.meta.url).pathname;

const EXPIRIES = ["27NOV26", "4DEC26", "25DEC26", "29JAN27", "26FEB27", "26MAR27", "25JUN27", "24SEP27"];

/** The generated BTC/ETH book of `n` lines, as the CLI prints it. */
export function generatedBook(n) {
  return JSON.parse(execFileSync(CLI, ["sample", "--generated", String(n)], { encoding: "utf8", maxBuffer: 1 << 28 })).positions;
}

/** The bench book of `n` positions over BTC, ETH and SOL (pasted text). */
export function benchBook(n) {
  return generatedBook(n)
    .split("\n")
    .map((line, i) => {
      if (i % 4 !== 3) return line;
      const h = Math.imul((i >> 2) + 1, 2654435761) >>> 0; // a multiplicative hash of the SOL line's number
      const expiry = EXPIRIES[h % EXPIRIES.length];
      const strike = 150 + 5 * ((h >>> 3) % 40); // 150 … 345 around the SOL index (238.4)
      const qty = ((h >>> 10) % 21) - 10 || 1;
      return `SOL_USDC-${expiry}-${strike}-${(h >>> 9) & 1 ? "C" : "P"} ${qty}`;
    })
    .join("\n");
}
