// Plays the HLS playlist named by ?src= (a path on this server, e.g. /demo/index.m3u8) with hls.js, which the
// build packages from npm; browsers that play HLS natively (Safari) get the URL directly.
(function () {
  'use strict';
  const video = document.getElementById('video');
  const status = document.getElementById('status');
  const src = new URLSearchParams(location.search).get('src') || '/demo/index.m3u8';
  document.getElementById('src').value = src;

  function say(text) { status.textContent = text; }

  video.addEventListener('timeupdate', () => say(`playing ${src}: ${video.currentTime.toFixed(1)} s`));
  video.addEventListener('ended', () => say(`ended ${src}`));

  if (window.Hls && window.Hls.isSupported()) {
    const hls = new window.Hls();
    hls.on(window.Hls.Events.ERROR, (event, data) => {
      if (data.fatal) say(`error: ${data.type} ${data.details}`);
    });
    hls.on(window.Hls.Events.MANIFEST_PARSED, () => {
      say(`loaded ${src}`);
      video.play().catch(err => say('press play (' + err.message + ')'));
    });
    hls.loadSource(src);
    hls.attachMedia(video);
  } else if (video.canPlayType('application/vnd.apple.mpegurl')) {
    video.src = src;
    video.play().catch(err => say('press play (' + err.message + ')'));
  } else {
    say('this browser cannot play HLS (no Media Source Extensions)');
  }
})();
