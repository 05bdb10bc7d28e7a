/** Entry point of the playground page. */
import { App } from './app.js';

const app = new App();
// For the curious (and the browser console): the running app.
(window as unknown as { playground: App }).playground = app;
