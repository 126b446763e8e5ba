// axe-core's serious and critical violations on the page, one line each.
async () => {
  const results = await axe.run(document, {resultTypes: ["violations"]});
  const node = (n) => `${n.target.join(" ")} ${(n.failureSummary || "").replace(/\s+/g, " ")}`;
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.slice(0, 3).map(node).join(" | ")}`);
}
