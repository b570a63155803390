import { createRequire as __evalgateCreateRequire } from 'node:module'; const require = __evalgateCreateRequire(import.meta.url);
import{prepareTargets}from"./chunk-7LSZBSF5.js";import{inspectProject,uncoveredCodeTargets}from"./chunk-SWOIRWIM.js";import"./chunk-PYG5MVSZ.js";import"./chunk-OWWHLXFM.js";import"./chunk-H2Y2IC26.js";import"./chunk-4BHW6EHQ.js";import"./chunk-IJNONX45.js";import"./chunk-ZI7UR66W.js";import"./chunk-5AN4RDGR.js";import"./chunk-K77UUBVW.js";import"./chunk-XDWRNPL5.js";import"./chunk-QFZFXNVM.js";import"./chunk-LQFGSTE7.js";import{ConfigError,ConfigErrors,combineConfigErrors,terminalText}from"./chunk-IPJXUYGK.js";import"./chunk-M4COAOWX.js";import{parseArgs}from"node:util";import{resolve}from"node:path";var HELP=`Usage: evalgate validate [--config FILE] [--all-errors]

Checks evalgate.yml and every suite: schema, case ids, graders, regexes, prompt files,
environment variables and template variables, and the rollout's rollback triggers against
the production policy and online graders, as 'evalgate canary' checks them. Calls no model.
Every error is found in one pass, each as file:line:col; the first 25 are printed.

  -c, --config FILE  project config (default: evalgate.yml)
      --all-errors   print every error, not only the first 25

Exit 0 when valid, 2 when not.
`,validateCommand=async(argv,io)=>{let{values}=parseArgs({args:argv,options:{config:{type:"string",short:"c",default:"evalgate.yml"},"all-errors":{type:"boolean",default:!1},help:{type:"boolean",short:"h"}},strict:!0});if(values.help)return io.stdout(HELP),0;let{project,error}=inspectProject(resolve(io.cwd,values.config),{env:io.env});if(!project)throw error;for(let w of project.warnings)io.stderr(`warning: ${terminalText(w)}
`);for(let{target,message}of uncoveredCodeTargets(project.config.targets,project.config.components))io.stderr(`warning: ${terminalText(project.document.error(["targets",target],message).format(io.cwd))}
`);let usable=project.suites.filter(s=>project.config.targets[s.target]!==void 0),targets,targetError;try{targets=prepareTargets(project,usable,io.env)}catch(e){if(e instanceof ConfigError||e instanceof ConfigErrors)targetError=e;else throw e}for(let t of targets?.values()??[])await t.close?.();let configPath=resolve(io.cwd,values.config),onlineError,online=[];if(project.config.production?.online)try{online=(await import("./config-VXZI6TOW.js")).loadOnlineGraders(configPath)}catch(e){if(online=void 0,e instanceof ConfigError||e instanceof ConfigErrors)onlineError=e;else throw e}let rolloutError;if(project.config.rollout)try{let{checkRollout}=await import("./canary-URQZJWT4.js");checkRollout(configPath,project.config.rollout,project.config.production,online)}catch(e){if(e instanceof ConfigError||e instanceof ConfigErrors)rolloutError=e;else throw e}let all=combineConfigErrors(error,targetError,onlineError,rolloutError);if(all)throw all;let cases=project.suites.reduce((n,s)=>n+s.cases.length,0);return io.stdout(`ok: ${project.suites.length} suite${project.suites.length===1?"":"s"}, ${cases} case${cases===1?"":"s"}, ${targets.size} target${targets.size===1?"":"s"}
`),0};export{validateCommand};
