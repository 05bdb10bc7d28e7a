/** Entry point of the playground page. */
import * as nb from 'nabla';
import { App } from './app.js';

const app = new App();
// Which backend trains: wasm where the kernels are inlined (every build), cpu otherwise.
const backend = document.getElementById('backend');
if (backend !== null) backend.textContent = nb.getBackend().name;
// For the curious (and the browser console): the running app.
(window as unknown as { playground: App }).playground = app;
