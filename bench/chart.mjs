/**
 * The bench's chart (issue 17): every route's request rate as a share of its floor's (with the 0.8 target line of
 * product.md §6), and the cost of one settled payment per gateway (SQLite rows written against the 24-row target,
 * with the other counts beside it). Plain SVG, no dependencies; `npm run bench` writes it to docs/img/bench.svg.
 */
const esc = (s) => String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

const W = 900;
const LABEL = 330;
const BAR = 14;
const GAP = 6;
const PLOT = W - LABEL - 90;
const MAX_RATIO = 1.2;

function ratioPanel(routes, y0) {
  const rows = routes.filter((r) => r.ratio_to_floor !== null);
  const x = (v) => LABEL + (Math.min(v, MAX_RATIO) / MAX_RATIO) * PLOT;
  const out = [
    `<text x="10" y="${y0}" class="h">Request rate ÷ floor's (measured just before; target ≥ 0.8 where marked)</text>`,
  ];
  let y = y0 + 14;
  for (const r of rows) {
    const targeted = r.target_met !== null;
    const colour = !targeted ? "#8a9bb0" : r.target_met ? "#2e8b57" : "#c0392b";
    out.push(
      `<text x="${LABEL - 8}" y="${y + BAR - 3}" text-anchor="end">${esc(r.name)}</text>`,
      `<rect x="${LABEL}" y="${y}" width="${(x(r.ratio_to_floor) - LABEL).toFixed(1)}" height="${BAR}" fill="${colour}"/>`,
      `<text x="${(x(r.ratio_to_floor) + 4).toFixed(1)}" y="${y + BAR - 3}">${r.ratio_to_floor.toFixed(2)}</text>`,
    );
    y += BAR + GAP;
  }
  const line = x(0.8).toFixed(1);
  out.push(
    `<line x1="${line}" y1="${y0 + 8}" x2="${line}" y2="${y}" stroke="#222" stroke-dasharray="4 3"/>`,
    `<text x="${line}" y="${y + 12}" text-anchor="middle">0.8</text>`,
    `<text x="${LABEL}" y="${y + 12}" text-anchor="middle">0</text>`,
    `<text x="${x(1).toFixed(1)}" y="${y + 12}" text-anchor="middle">1.0</text>`,
    `<text x="${LABEL}" y="${y + 28}" class="n">green: target met · red: missed · grey: no ratio target (gateway routes: rate vs the same call made directly)</text>`,
  );
  return { svg: out.join("\n"), height: y + 40 - y0 };
}

function costPanel(cost, y0) {
  const gateways = Object.entries(cost?.gateways ?? {});
  const out = [
    `<text x="10" y="${y0}" class="h">One settled payment: SQLite rows written (target ≤ 24), and the rest</text>`,
  ];
  if (!gateways.length) return { svg: out.join("\n"), height: 20 };
  const max = Math.max(30, ...gateways.map(([, c]) => c.rows_written));
  const x = (v) => LABEL + (v / max) * PLOT;
  // The target line first, under the bars and their captions.
  const line = x(24).toFixed(1);
  const end = y0 + 14 + gateways.length * (BAR + GAP + 14);
  out.push(
    `<line x1="${line}" y1="${y0 + 8}" x2="${line}" y2="${end}" stroke="#222" stroke-dasharray="4 3"/>`,
    `<text x="${line}" y="${end + 12}" text-anchor="middle">24</text>`,
  );
  let y = y0 + 14;
  for (const [gateway, c] of gateways) {
    const colour = c.rows_written <= 24 ? "#2e8b57" : "#c0392b";
    const rest =
      `${c.rows_read} rows read · ${c.do_calls} DO requests · ${c.subrequests} subrequests · ` +
      `${c.kv_writes} KV writes · ${c.d1_writes} D1 writes · ${c.cpu_ms} ms CPU (local)`;
    out.push(
      `<text x="${LABEL - 8}" y="${y + BAR - 3}" text-anchor="end">${esc(gateway)}</text>`,
      `<rect x="${LABEL}" y="${y}" width="${(x(c.rows_written) - LABEL).toFixed(1)}" height="${BAR}" fill="${colour}"/>`,
      `<text x="${(x(c.rows_written) + 4).toFixed(1)}" y="${y + BAR - 3}">${c.rows_written}</text>`,
      `<text x="${LABEL + 2}" y="${y + BAR + 11}" class="n" paint-order="stroke" stroke="#fff" stroke-width="3">${esc(rest)}</text>`,
    );
    y += BAR + GAP + 14;
  }
  return { svg: out.join("\n"), height: y + 24 - y0 };
}

/** The SVG text for a report as written to latest.json. */
export function benchChart(report) {
  const title = `checkpost npm run bench, ${report.at.slice(0, 16).replace("T", " ")} UTC, ${report.machine.cores} cores, load ${report.machine.load_average_at_start} at start`;
  const ratios = ratioPanel(report.routes, 44);
  const cost = costPanel(report.payment_cost, 44 + ratios.height + 10);
  const height = 44 + ratios.height + 10 + cost.height + 10;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" font-family="sans-serif" font-size="11">
<style>.h{font-weight:bold;font-size:12px}.n{fill:#555;font-size:10px}</style>
<rect width="100%" height="100%" fill="#fff"/>
<text x="10" y="20" class="h" font-size="14">${esc(title)}</text>
${ratios.svg}
${cost.svg}
</svg>
`;
}
