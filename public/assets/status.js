/* checkpost's status page: asks again while the payment is open (src/http/routes/status-page.ts sets data-polls and data-ms). */
var d = document.currentScript.dataset;
(function (n, p) {
  function t() {
    fetch(location.href, { cache: "no-store" })
      .then(function (r) {
        return r.text();
      })
      .then(
        function (h) {
          var d = new DOMParser().parseFromString(h.slice(h.indexOf("<main>"), h.indexOf("</main>")), "text/html"),
            a = d.getElementById("s"),
            b = document.getElementById("s");
          if (!a || !b) return;
          if (a.innerHTML !== b.innerHTML) {
            b.innerHTML = a.innerHTML;
            b.className = a.className;
            document.title = b.querySelector("h1").textContent;
          }
          if (a.getAttribute("data-final") !== "1" && --n > 0) setTimeout(t, p);
        },
        function () {
          if (--n > 0) setTimeout(t, p);
        },
      );
  }
  setTimeout(t, p);
})(+d.polls, +d.ms);
