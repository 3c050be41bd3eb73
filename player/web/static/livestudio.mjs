// The livestudio SDK as an ES module: import LiveStudio from '/sdk/livestudio.mjs'.
// It runs the classic build (which also defines window.LiveStudio) and re-exports it.
import './livestudio.js';

const LiveStudio = globalThis.LiveStudio;
// A module has no document.currentScript: tell the SDK where the gateway is.
LiveStudio.setBaseURL(new URL('./', import.meta.url).href);
export default LiveStudio;
export const { createPlayer, createIM, EVENT, TYPES, VERSION } = LiveStudio;
