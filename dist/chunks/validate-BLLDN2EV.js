import { createRequire as __evalgateCreateRequire } from 'node:module'; const require = __evalgateCreateRequire(import.meta.url);
import{prepareTargets}from"./chunk-MBUFVPXD.js";import{loadProject}from"./chunk-6SJOKJBD.js";import"./chunk-4FYADCLI.js";import"./chunk-BSGIDXXQ.js";import{parseArgs}from"node:util";import{resolve}from"node:path";var HELP=`Usage: evalgate validate [--config FILE]

Checks evalgate.yml and every suite: schema, case ids, graders, regexes, prompt files,
environment variables and template variables. Calls no model. Exit 0 when valid, 2 when not.
`,validateCommand=async(argv,io)=>{let{values}=parseArgs({args:argv,options:{config:{type:"string",short:"c",default:"evalgate.yml"},help:{type:"boolean",short:"h"}},strict:!0});if(values.help)return io.stdout(HELP),0;let project=loadProject(resolve(io.cwd,values.config),{env:io.env});for(let w of project.warnings)io.stderr(`warning: ${w}
`);let targets=prepareTargets(project,project.suites,io.env);for(let t of targets.values())await t.close?.();let cases=project.suites.reduce((n,s)=>n+s.cases.length,0);return io.stdout(`ok: ${project.suites.length} suite${project.suites.length===1?"":"s"}, ${cases} case${cases===1?"":"s"}, ${targets.size} target${targets.size===1?"":"s"}
`),0};export{validateCommand};
