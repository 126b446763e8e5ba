// Where the page is wider than the screen, and every visible control that lies (partly)
// outside the screen or outside a box that scrolls sideways (a .table-responsive table).
() => {
  const width = document.documentElement.clientWidth;
  const pageWidth = document.documentElement.scrollWidth;
  const problems = [];
  if (pageWidth > width) problems.push(`the page is ${pageWidth}px wide on a ${width}px screen`);
  const describe = (el) => {
    const text = el.innerText || el.value || el.getAttribute("aria-label") || "";
    return `${el.tagName.toLowerCase()} "${text.trim().slice(0, 40)}"`;
  };
  // With a dialog open, only its controls can be reached.
  const scope = document.querySelector(".modal.show") || document;
  const controls = "a[href], button, input:not([type=hidden]), select, textarea, label.btn";
  for (const el of scope.querySelectorAll(controls)) {
    if (!el.checkVisibility({visibilityProperty: true})) continue;
    if (el.closest(".visually-hidden, .visually-hidden-focusable")) continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    if (box.left < -0.5 || box.right > width + 0.5) {
      const where = `${Math.round(box.left)}–${Math.round(box.right)}px`;
      problems.push(`${describe(el)} lies outside the screen (${where})`);
      continue;
    }
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      if (getComputedStyle(up).overflowX === "visible") continue;
      const frame = up.getBoundingClientRect();
      if (box.left < frame.left - 0.5 || box.right > frame.right + 0.5) {
        problems.push(`${describe(el)} is hidden in a box that scrolls sideways`);
        break;
      }
    }
  }
  // The header's name and its menu button share one line (no name wrapped above it).
  const brand = document.querySelector(".navbar-brand");
  const toggler = document.querySelector(".navbar-toggler");
  if (brand && toggler && toggler.checkVisibility()) {
    if (toggler.getBoundingClientRect().top >= brand.getBoundingClientRect().bottom - 2) {
      problems.push("the header wraps: the menu button sits below the portal's name");
    }
  }
  return problems;
}
