/** Entry point of the playground page. */
import * as nb from 'nabla';
import { App } from './app.js';
import type { BackendChoice } from './protocol.js';

// Training runs in a worker; the page itself only draws the data sets' thumbnails.
nb.setBackend('cpu');

// The backend and threads come from the query (?backend=cpu&threads=1), the run from the hash.
const query = new URLSearchParams(location.search);
const hasGpu = 'gpu' in navigator && navigator.gpu !== undefined;
const cores = Math.max(1, navigator.hardwareConcurrency || 1);
const choice = query.get('backend');
const backend: BackendChoice = choice === 'cpu' || (choice === 'webgpu' && hasGpu) ? choice : 'wasm';
const threads = Math.max(0, Math.min(cores, Math.floor(Number(query.get('threads')) || 0)));

const backendSel = document.getElementById('backend-choice') as HTMLSelectElement;
const threadSel = document.getElementById('threads') as HTMLSelectElement;
// WebGPU only where the browser has it.
const gpuOption = backendSel.querySelector<HTMLOptionElement>('option[value="webgpu"]');
if (gpuOption) {
  gpuOption.disabled = !hasGpu;
  gpuOption.hidden = !hasGpu;
}
threadSel.replaceChildren(new Option(`auto (${cores})`, '0'), ...Array.from({ length: cores }, (_, i) => new Option(String(i + 1), String(i + 1))));
backendSel.value = backend;
threadSel.value = String(threads);
// Threads need SharedArrayBuffer, which browsers offer only to cross-origin isolated pages.
threadSel.disabled = !globalThis.crossOriginIsolated;
threadSel.title = globalThis.crossOriginIsolated ? 'Threads the wasm kernels run on' : 'One thread: the page is not cross-origin isolated (served without COOP/COEP headers)';
const threadRow = document.getElementById('threads-row');
if (threadRow) threadRow.hidden = backend !== 'wasm';

const app = new App({ backend, threads });
const apply = (): void => {
  const b = backendSel.value as BackendChoice;
  const t = Number(threadSel.value);
  const q = new URLSearchParams(location.search);
  if (b === 'wasm') q.delete('backend');
  else q.set('backend', b);
  if (t > 0 && b === 'wasm') q.set('threads', String(t));
  else q.delete('threads');
  const search = q.toString();
  history.replaceState(null, '', `${location.pathname}${search ? `?${search}` : ''}${location.hash}`);
  if (threadRow) threadRow.hidden = b !== 'wasm';
  app.options = { backend: b, threads: t };
  app.startWorker();
};
backendSel.addEventListener('change', apply);
threadSel.addEventListener('change', apply);
// For the curious (and the browser console): the running app.
(window as unknown as { playground: App }).playground = app;
