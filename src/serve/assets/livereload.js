// pamphlet serve: live reload. Added to HTML responses by the preview server only; never part
// of a build. A same-origin file, because the theme's Content-Security-Policy allows no inline
// script.
(function () {
  'use strict';
  if (!window.EventSource || !window.JSON) return;

  // `<server>.<generation>` of the build this page came from, so a page that missed a change
  // while it was loading or disconnected reloads once when it hears the server again.
  var script = document.currentScript;
  var version = script ? script.getAttribute('data-version') : null;

  function reload() {
    window.location.reload();
  }

  // `/style.3f2a9c1b0d.css` and `/style.0b1c2d3e4f.css` are the same stylesheet.
  function stem(href) {
    var path = new URL(href, window.location.href).pathname;
    return path.replace(/\.[0-9a-f]{8,64}(\.[A-Za-z0-9]+)$/, '$1');
  }

  function swapStylesheet(href, integrity) {
    var target = stem(href);
    var links = document.querySelectorAll('link[rel~="stylesheet"]');
    var swapped = false;
    Array.prototype.forEach.call(links, function (old) {
      if (old.hasAttribute('data-pamphlet') || stem(old.href) !== target) return;
      var link = old.cloneNode(false);
      // Integrity first: it must be in place when the new href starts the fetch.
      if (integrity) link.setAttribute('integrity', integrity);
      else link.removeAttribute('integrity');
      link.setAttribute('href', href);
      // The old sheet stays until the new one applies, so the page never flashes unstyled.
      link.addEventListener('load', function () { old.remove(); });
      link.addEventListener('error', reload);
      old.parentNode.insertBefore(link, old.nextSibling);
      swapped = true;
    });
    if (!swapped) reload();
  }

  function connect() {
    var source = new EventSource('/__pamphlet/events');
    source.addEventListener('hello', function (event) {
      var hello = JSON.parse(event.data);
      var current = hello.server + '.' + hello.generation;
      if (version !== null && version !== current) {
        reload();
        return;
      }
      version = current;
    });
    source.addEventListener('message', function (event) {
      var change = JSON.parse(event.data);
      if (change.kind === 'css') {
        swapStylesheet(change.href, change.integrity);
        // The event id is the generation now served; the page is up to date with it.
        if (version !== null && event.lastEventId) {
          version = version.split('.')[0] + '.' + event.lastEventId;
        }
      } else {
        reload();
      }
    });
    source.addEventListener('error', function () {
      // EventSource retries by itself unless the server refused it outright (busy, restarted
      // into something else): then try again later.
      if (source.readyState === EventSource.CLOSED) window.setTimeout(connect, 5000);
    });
  }

  function bindOverlay() {
    var close = document.getElementById('pamphlet-overlay-close');
    if (!close) return;
    close.addEventListener('click', function () {
      var overlay = document.getElementById('pamphlet-overlay');
      if (overlay) overlay.hidden = true;
    });
  }

  bindOverlay();
  connect();
})();
