import { createRequire as __evalgateCreateRequire } from 'node:module'; const require = __evalgateCreateRequire(import.meta.url);
var EVALGATE_VERSION="0.1.0";export{EVALGATE_VERSION};
