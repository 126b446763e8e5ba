// The contrast of the focused element's outline on the page (0 without a 2 px outline).
const style = getComputedStyle(el);
const page = rgb(getComputedStyle(document.body).backgroundColor);
if (style.outlineStyle === "none" || parseFloat(style.outlineWidth) < 2) return 0;
return contrast(over(rgb(style.outlineColor), page), page);
