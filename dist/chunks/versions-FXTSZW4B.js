import { createRequire as __evalgateCreateRequire } from 'node:module'; const require = __evalgateCreateRequire(import.meta.url);
import{versionsDocument}from"./chunk-W7K5CMOQ.js";import{versionsForWorkingTree}from"./chunk-I6Y7U3X6.js";import"./chunk-IU7GPSPP.js";import"./chunk-SWOIRWIM.js";import"./chunk-PYG5MVSZ.js";import"./chunk-OWWHLXFM.js";import"./chunk-H2Y2IC26.js";import"./chunk-4BHW6EHQ.js";import"./chunk-IJNONX45.js";import"./chunk-ZI7UR66W.js";import"./chunk-5AN4RDGR.js";import"./chunk-K77UUBVW.js";import"./chunk-XDWRNPL5.js";import"./chunk-QFZFXNVM.js";import"./chunk-LQFGSTE7.js";import{terminalText}from"./chunk-IPJXUYGK.js";import"./chunk-M4COAOWX.js";import{resolve}from"node:path";import{parseArgs}from"node:util";var HELP=`Usage: evalgate versions [--config FILE] [--json]

Prints the version ids change detection computes for the files on disk: each component's
(prompt, model, retrieval, ...) and each target's system version id. Run it at build or
deploy time and give the application its target's entry: it stamps them on every
production record (the \`versions\` argument of toRecord / createRecorder).

  -c, --config FILE  project config (default: evalgate.yml)
      --json         print the JSON document (targets.<name> is what a record is stamped with)

Reads no production data, so it needs no production policy. Exit 0, or 2 on a config error.
`,versionsCommand=async(argv,io)=>{let{values}=parseArgs({args:argv,options:{config:{type:"string",short:"c",default:"evalgate.yml"},json:{type:"boolean",default:!1},help:{type:"boolean",short:"h"}},strict:!0});if(values.help)return io.stdout(HELP),0;let found=await versionsForWorkingTree({configPath:resolve(io.cwd,values.config)});for(let w of found.warnings)io.stderr(`warning: ${terminalText(w)}
`);let doc=versionsDocument(found);if(values.json)return io.stdout(`${JSON.stringify(doc,null,2)}
`),0;let lines=[];for(let[name,t]of Object.entries(doc.targets)){lines.push(`target ${name}  system ${t.system}`);for(let[c,v]of Object.entries(t.components))lines.push(`  ${c.padEnd(24)} ${(doc.components[c]?.kind??"").padEnd(10)} ${v}`)}return io.stdout(terminalText(`${lines.join(`
`)}
`,{maxLength:2e5})),0};export{versionsCommand};
