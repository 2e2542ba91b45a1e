// Registers the service worker that keeps the app shell for offline use.
if ('serviceWorker' in navigator) {
  navigator.serviceWorker.register('./sw.js').catch((e) => console.warn('vmsift: offline cache unavailable:', e));
}
