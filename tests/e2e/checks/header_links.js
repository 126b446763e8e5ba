// [text, contrast] of each header nav link on the worse end of the header's gradient.
const header = getComputedStyle(document.querySelector(".portal-header"));
const ends = header.backgroundImage.match(/rgb\([^)]*\)/g).map(rgb);
return [...document.querySelectorAll(".portal-header .nav-link")].map((a) => {
  const fg = rgb(getComputedStyle(a).color);
  return [a.innerText, Math.min(...ends.map((bg) => contrast(over(fg, bg), bg)))];
});
