document.addEventListener("click", function (event) {
  var link = event.target.closest("a[data-seek]");
  var audio = document.getElementById("narration");
  if (!link || !audio) { return; }
  event.preventDefault();
  audio.currentTime = parseFloat(link.getAttribute("data-seek"));
  audio.play();
  audio.focus();
});
