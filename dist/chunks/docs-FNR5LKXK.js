import { createRequire as __evalgateCreateRequire } from 'node:module'; const require = __evalgateCreateRequire(import.meta.url);
import{DEFAULT_DOCS_DIR,documentStates,generateDocs,writeDocument}from"./chunk-FLCMIEJM.js";import"./chunk-Y66QHMH7.js";import"./chunk-IU7GPSPP.js";import"./chunk-35VYK44B.js";import"./chunk-SWOIRWIM.js";import"./chunk-PYG5MVSZ.js";import"./chunk-OWWHLXFM.js";import"./chunk-HCLIPVTL.js";import"./chunk-BUMZDEYK.js";import"./chunk-H2Y2IC26.js";import"./chunk-4BHW6EHQ.js";import"./chunk-IJNONX45.js";import"./chunk-7CARZ3S2.js";import"./chunk-ZI7UR66W.js";import"./chunk-DEGVF2WC.js";import"./chunk-5AN4RDGR.js";import"./chunk-K77UUBVW.js";import"./chunk-SK74C2BV.js";import"./chunk-XDWRNPL5.js";import"./chunk-QFZFXNVM.js";import"./chunk-LQFGSTE7.js";import{UsageError,terminalText}from"./chunk-IPJXUYGK.js";import"./chunk-M4COAOWX.js";import{relative,resolve}from"node:path";import{parseArgs}from"node:util";var HELP=`Usage: evalgate docs [--config FILE] [--out DIR] [--check] [--force]

Writes the four documents the project promises, generated from evalgate.yml and its suites
so they stay true:

  eval-policy.md                  sampling, privacy, retention, tiers, gates
  regression-suite-manifest.md    every suite: owner, tier, kind, case counts by tag,
                                  what it depends on, last baseline
  rollout-checklist.md            the canary, its rollback triggers, the rollback steps
  incident-log-template.md        the model-quality incident log

Each starts with a marker naming the command that regenerates it and a hash of its inputs.
A file of the same name without that marker is someone's own: it is never overwritten
unless --force.

  -c, --config FILE  project config (default: evalgate.yml)
  -o, --out DIR      where to write them (default: ${DEFAULT_DOCS_DIR} in the config's folder)
      --check        write nothing; exit 1 if any document is missing or stale
  -f, --force        overwrite files of the same name that evalgate did not generate
      --all-errors   list every config error, not the first 25

Exit 0 written (or current, with --check); 1 stale or missing (--check); 2 config or usage error.
`,docsCommand=async(argv,io)=>{let{values}=parseArgs({args:argv,options:{config:{type:"string",short:"c",default:"evalgate.yml"},out:{type:"string",short:"o"},check:{type:"boolean",default:!1},force:{type:"boolean",short:"f",default:!1},"all-errors":{type:"boolean",default:!1},help:{type:"boolean",short:"h"}},strict:!0,allowPositionals:!1});if(values.help)return io.stdout(HELP),0;if(values.check&&values.force)throw new UsageError("--check writes nothing: it cannot be combined with --force");let config=resolve(io.cwd,values.config),docs=await generateDocs(config,values.out===void 0?void 0:resolve(io.cwd,values.out)),states=documentStates(docs),shown=path=>terminalText(relative(io.cwd,path)||path,{oneLine:!0});if(values.check){let bad=states.filter(s=>s.state!=="current");if(bad.length===0)return io.stdout(`ok: ${docs.length} documents current in ${shown(resolve(docs[0].path,".."))}
`),0;for(let{doc,state}of bad)io.stdout(`${state==="foreign"?"not generated":state}: ${shown(doc.path)}${state==="foreign"?" (a file evalgate did not write is in the way)":""}
`);let fix=["npx evalgate docs"];return values.config!=="evalgate.yml"&&fix.push("--config",values.config),values.out!==void 0&&fix.push("--out",values.out),io.stdout(`${bad.length} of ${docs.length} documents ${bad.length===1?"is":"are"} out of date with the config. Regenerate them: ${terminalText(fix.join(" "),{oneLine:!0})}${bad.some(s=>s.state==="foreign")?" --force":""}
`),1}let foreign=states.filter(s=>s.state==="foreign");if(foreign.length&&!values.force)throw new UsageError(`${foreign.map(s=>shown(s.doc.path)).join(", ")}: not written by evalgate docs (no generated-file marker); move ${foreign.length===1?"it":"them"} away, or pass --force to overwrite`);for(let{doc,state}of states)state!=="current"&&writeDocument(doc),io.stdout(`${(state==="current"?"current":state==="missing"?"wrote":"updated").padEnd(8)} ${shown(doc.path)}  \u2014 ${doc.title}
`);return 0};export{docsCommand};
