import { createRequire as __evalgateCreateRequire } from 'node:module'; const require = __evalgateCreateRequire(import.meta.url);
import{checkBudget,renderEstimateText}from"./chunk-RGKP2PSQ.js";import{formatPlanJson,planFromGit,renderPlanText,suitesInPlan}from"./chunk-QTGBX65F.js";import"./chunk-C3MSY5QU.js";import"./chunk-MNK6IG7K.js";import"./chunk-I6Y7U3X6.js";import"./chunk-IU7GPSPP.js";import"./chunk-7LSZBSF5.js";import{formatUsd}from"./chunk-SFHEMM3F.js";import"./chunk-7QAOTJBH.js";import"./chunk-3C4QFQ24.js";import"./chunk-2A6QOFRA.js";import{loadProject}from"./chunk-SWOIRWIM.js";import"./chunk-PYG5MVSZ.js";import"./chunk-OWWHLXFM.js";import"./chunk-BUMZDEYK.js";import"./chunk-H2Y2IC26.js";import"./chunk-4BHW6EHQ.js";import"./chunk-IJNONX45.js";import"./chunk-ZI7UR66W.js";import"./chunk-5AN4RDGR.js";import"./chunk-K77UUBVW.js";import"./chunk-XDWRNPL5.js";import"./chunk-QFZFXNVM.js";import"./chunk-LQFGSTE7.js";import{ConfigErrors,UsageError,terminalText}from"./chunk-IPJXUYGK.js";import"./chunk-M4COAOWX.js";import{writeFileSync}from"node:fs";import{resolve}from"node:path";import{parseArgs}from"node:util";var HELP=`Usage: evalgate plan --base REF [--head REF] [--json] [--out FILE] [--config FILE] [--no-fetch] [--no-cache]

Shows which components a change touched (prompt, model, retrieval, ...), how, and which
suites it affects and why. Compares head with the merge base of base and head, as a pull
request does (base...head).

  --base REF     the branch or commit the change is against, e.g. origin/main (required)
  --head REF     the change; default: the working tree (HEAD and any uncommitted changes,
                 staged or not, and untracked files git does not ignore), as 'run' runs it
  --json         print the plan as JSON (the document \`evalgate run --plan\` reads)
  --out FILE     also write the JSON plan to FILE
  --config FILE  default evalgate.yml
  --no-fetch     never fetch a missing base or shallow history from the remote
  --no-cache     estimate as 'evalgate run --no-cache' would run: nothing from the cache

When head is the working tree (no --head), the plan also estimates what running its suites will
cost: calls, prompt tokens (counted with OpenAI's encodings), completion tokens and USD, how
many calls the response cache answers and what the rest cost to send, and whether
budget.maxCostUSD would refuse the run (see 'evalgate run --estimate').

Exit 0 with a plan (even one that runs nothing), 2 on a config error or a base that cannot
be found.
`,planCommand=async(argv,io)=>{let{values}=parseArgs({args:argv,options:{base:{type:"string",short:"b"},head:{type:"string"},json:{type:"boolean",default:!1},out:{type:"string",short:"o"},config:{type:"string",short:"c",default:"evalgate.yml"},"no-fetch":{type:"boolean",default:!1},"no-cache":{type:"boolean",default:!1},help:{type:"boolean",short:"h"}},strict:!0});if(values.help)return io.stdout(HELP),0;if(!values.base)throw new UsageError("plan needs --base REF: the branch the change is against, e.g. --base origin/main");let plan=await planFromGit({cwd:io.cwd,base:values.base,...values.head!==void 0&&{head:values.head},workingTree:values.head===void 0,config:values.config,fetch:!values["no-fetch"],env:io.env});if(values.head===void 0&&plan.suites.length>0)try{let project=loadProject(resolve(io.cwd,values.config),{env:io.env}),{run}=suitesInPlan(plan,project.suites),{estimate,refused}=await checkBudget(project,run,io.env,{cache:!values["no-cache"]&&project.config.cache.enabled}),max=project.config.budget.maxCostUSD;plan.estimate={...estimate,...max!==void 0&&{maxCostUSD:max},...refused&&{refused}}}catch(e){let message=e instanceof ConfigErrors?e.errors[0].message:e.message;io.stderr(`evalgate: no cost estimate: ${terminalText(message)}
`)}let json=formatPlanJson(plan);values.out&&writeFileSync(resolve(io.cwd,values.out),json);let text=renderPlanText(plan);return plan.estimate&&(text+=`
${renderEstimateText(plan.estimate,formatUsd)}`,plan.estimate.refused&&(text+=`A run of this plan would be refused: ${plan.estimate.refused}
`)),io.stdout(values.json?json:terminalText(text,{maxLength:2e5})),0};export{planCommand};
