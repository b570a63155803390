import { createRequire as __evalgateCreateRequire } from 'node:module'; const require = __evalgateCreateRequire(import.meta.url);
import{DEFAULT_INCIDENT_LABEL,addIncidentCase,createIncidentGitHub,readSignal,syncIncidentFromReport}from"./chunk-PSQ2P5RB.js";import"./chunk-YNQN432H.js";import{issueBody,issueTitle}from"./chunk-Y66QHMH7.js";import{createGitHubClient,isLoopback}from"./chunk-YAZ3N2MS.js";import"./chunk-N56O3FVX.js";import"./chunk-7LSZBSF5.js";import"./chunk-VSW7MYRR.js";import"./chunk-SWOIRWIM.js";import"./chunk-PYG5MVSZ.js";import"./chunk-OWWHLXFM.js";import"./chunk-2HXJFSKI.js";import"./chunk-CHFDJ5D2.js";import"./chunk-H2Y2IC26.js";import"./chunk-4BHW6EHQ.js";import{expandFlagGlobs}from"./chunk-IJNONX45.js";import"./chunk-AE7XJM2I.js";import"./chunk-7CARZ3S2.js";import"./chunk-ZI7UR66W.js";import"./chunk-5AN4RDGR.js";import"./chunk-K77UUBVW.js";import"./chunk-SK74C2BV.js";import"./chunk-XDWRNPL5.js";import"./chunk-QFZFXNVM.js";import"./chunk-LQFGSTE7.js";import{UsageError,terminalText}from"./chunk-IPJXUYGK.js";import"./chunk-M4COAOWX.js";import{readFileSync}from"node:fs";import{resolve}from"node:path";import{parseArgs}from"node:util";var HELP=`Usage: evalgate incident <sync|add-case> [options]

  evalgate incident sync --report FILE [--scope ROLE=ID]... [--label NAME] [--dry-run]
      Opens, updates or closes the GitHub issue of the incident a canary decision
      ('evalgate canary --json') or drift report ('evalgate drift --json') shows: one issue per
      incident, found again by a fingerprint marker (the check's kind, version ids and
      monitored metrics). A trigger crossed with no open issue opens one from the
      model-quality incident template (What degraded, Since when, Version ids, Evidence,
      Mitigation, Communication, Follow-up); later checks add timeline comments; a check in
      which every metric that crossed is back within its trigger closes it (completed). Two
      checks that open one at once: the newer issue closes itself as a duplicate of the older.

      --report FILE      the decision or report JSON
      --scope ROLE=ID    version ids the report does not carry (drift: --scope system=ID), repeatable
      --label NAME       the label incident issues carry (default: ${DEFAULT_INCIDENT_LABEL})
      --dry-run          print the issue an alarm would open; call no API
      --json             print the outcome as JSON

  evalgate incident add-case --record ID --records GLOB --suite FILE
                             [--expect TEXT] [--refusal true|false] [--input-file FILE]
                             [--var NAME] [--incident REF] [--no-blocker] [--pull-request]
      Turns a production record into a regression case in the suite: its input (the record's
      retained text, or --input-file when the policy kept none) redacted and PII-scanned,
      tagged 'source: production-incident', a blocker unless --no-blocker, graded without a
      judge by what the fixed system must do. The suite is validated with the case before
      anything is written.

      --record ID        the record's request id (hmac-sha256:\u2026, or 8+ leading hex digits)
      --records GLOB     records files to find it in (JSONL, .jsonl.gz), repeatable
      --suite FILE       the suite file (YAML) to add the case to
      --expect TEXT      the fixed answer must contain TEXT (a 'contains' grader)
      --refusal BOOL     the fixed system must refuse (true) or must answer (false)
      --input-file FILE  the input text, when the record kept none (checked against the
                         record's keyed hash when the hash key is set)
      --var NAME         the case var for the input (default: the one var the suite's cases use)
      --incident REF     the incident, e.g. '#12', kept as a tag
      --no-blocker       an ordinary case instead of a blocker
      --pull-request     open a pull request adding the case (Git Data API) instead of
                         writing the file; idempotent: a re-run finds the open one
      --base BRANCH      the pull request's base (default: the repository's default branch)

Common options:
  -c, --config FILE      project config with 'production:' (default: evalgate.yml)
      --repo OWNER/NAME  the repository (default: GITHUB_REPOSITORY)
      --api-url URL      the REST API (default: GITHUB_API_URL, else https://api.github.com)
  The token is read from GITHUB_TOKEN (or GH_TOKEN). Permissions: 'issues: write' for sync;
  'contents: write' and 'pull-requests: write' for add-case --pull-request.

Exit 0 done, 2 bad input, a record without text and no --input-file, a PII finding, an
invalid suite, or a GitHub failure.
`,incidentCommand=async(argv,io)=>{let[sub,...rest]=argv;switch(sub){case"sync":return syncCommand(rest,io);case"add-case":return addCaseCommand(rest,io);case void 0:case"--help":case"-h":case"help":return io.stdout(HELP),sub?0:2;default:throw new UsageError(`unknown incident command '${sub}'; expected sync or add-case`)}},COMMON={config:{type:"string",short:"c",default:"evalgate.yml"},repo:{type:"string"},"api-url":{type:"string"},help:{type:"boolean",short:"h"}};function github(io,values){let token=io.env.GITHUB_TOKEN||io.env.GH_TOKEN;if(!token)throw new UsageError("set GITHUB_TOKEN (or GH_TOKEN) to a token that may write issues and pull requests");let full=values.repo??io.env.GITHUB_REPOSITORY??"",[owner,repo,...extra]=full.split("/");if(!owner||!repo||extra.length)throw new UsageError("name the repository: --repo OWNER/NAME (or GITHUB_REPOSITORY)");let baseUrl=values["api-url"]??io.env.GITHUB_API_URL??"https://api.github.com",octokit=createGitHubClient({token,baseUrl,userAgent:"evalgate-cli",spaceWrites:!isLoopback(baseUrl),log:{debug:()=>{},info:()=>{},warn:m=>io.stderr(`evalgate: ${terminalText(m)}
`)}});return createIncidentGitHub(octokit,{owner,repo})}function runUrlOf(env){let{GITHUB_SERVER_URL:server,GITHUB_REPOSITORY:repo,GITHUB_RUN_ID:run}=env;return server&&repo&&run&&/^\d+$/.test(run)?`${server}/${repo}/actions/runs/${run}`:void 0}function scopeOf(entries){let scope={};for(let entry of entries){let eq=entry.indexOf("=");if(eq<=0)throw new UsageError(`--scope takes ROLE=ID (e.g. system=sys-4f2a), got '${entry}'`);scope[entry.slice(0,eq)]=entry.slice(eq+1)}return scope}async function syncCommand(argv,io){let{values}=parseArgs({args:argv,options:{...COMMON,report:{type:"string"},scope:{type:"string",multiple:!0,default:[]},label:{type:"string",default:DEFAULT_INCIDENT_LABEL},"dry-run":{type:"boolean",default:!1},json:{type:"boolean",default:!1}},strict:!0});if(values.help)return io.stdout(HELP),0;if(!values.report)throw new UsageError("incident sync needs --report FILE (a canary decision or drift report, JSON)");let reportFile=resolve(io.cwd,values.report),scope=scopeOf(values.scope),run={at:new Date().toISOString(),...runUrlOf(io.env)&&{runUrl:runUrlOf(io.env)}};if(values["dry-run"]){let signal2=readSignal(reportFile,scope);return io.stdout(signal2.crossing.length?terminalText(`${issueTitle(signal2)}

${issueBody(signal2,run)}`,{maxLength:2e5}):`No trigger crossed (fingerprint ${signal2.fingerprint}): a sync would update or close an open incident, never open one.
`),0}let{signal,outcome}=await syncIncidentFromReport(github(io,values),reportFile,scope,{...run,label:values.label});if(values.json)return io.stdout(`${JSON.stringify({...outcome,crossing:signal.crossing,kind:signal.kind},null,2)}
`),0;let issue=outcome.issue?` #${outcome.issue.number} ${outcome.issue.url}`:"",dups=outcome.duplicatesClosed.length?` (closed duplicate${outcome.duplicatesClosed.length>1?"s":""} ${outcome.duplicatesClosed.map(n=>`#${n}`).join(", ")})`:"";return io.stdout(terminalText(`incident ${outcome.fingerprint}: ${outcome.action}${issue}${dups}`)+`
`),0}async function addCaseCommand(argv,io){let{values}=parseArgs({args:argv,options:{...COMMON,record:{type:"string"},records:{type:"string",multiple:!0,default:[]},suite:{type:"string",short:"s"},expect:{type:"string"},refusal:{type:"string"},"input-file":{type:"string"},var:{type:"string"},incident:{type:"string"},"no-blocker":{type:"boolean",default:!1},"pull-request":{type:"boolean",default:!1},base:{type:"string"}},strict:!0});if(values.help)return io.stdout(HELP),0;if(!values.record)throw new UsageError("add-case needs --record ID: the request id of the flagged record");if(!values.suite)throw new UsageError("add-case needs --suite FILE: the suite to add the case to");if(!values.records.length)throw new UsageError("add-case needs --records GLOB: the records files holding the record");let refusal=values.refusal;if(refusal!==void 0&&refusal!=="true"&&refusal!=="false")throw new UsageError(`--refusal takes true or false, got '${refusal}'`);if(values.var!==void 0&&!/^[A-Za-z_][A-Za-z0-9_]*$/.test(values.var))throw new UsageError(`--var takes a var name (letters, digits, _), got '${values.var}'`);let inputText;if(values["input-file"]!==void 0)try{inputText=readFileSync(resolve(io.cwd,values["input-file"]),"utf8").replace(/\r?\n$/,"")}catch(e){throw new UsageError(`cannot read --input-file ${values["input-file"]}: ${e.code??String(e)}`)}let recordFiles=expandFlagGlobs(io.cwd,values.records),suiteFile=resolve(io.cwd,values.suite),result=await addIncidentCase({configPath:resolve(io.cwd,values.config),suiteFile,recordFiles,recordId:values.record,options:{...inputText!==void 0&&{inputText},...values.expect!==void 0&&{expect:values.expect},...refusal!==void 0&&{refusal:refusal==="true"},...values.var!==void 0&&{varName:values.var},...values.incident!==void 0&&{incident:values.incident},blocker:!values["no-blocker"]},env:io.env,...values["pull-request"]&&{pullRequest:{gh:github(io,values),...values.base!==void 0&&{base:values.base}}}}),c=result.built,graders=c.case.graders.map(g=>g.type).join(", ");if(result.alreadyInSuite)return io.stdout(terminalText(`case ${c.id} is already in ${values.suite}: nothing to add`)+`
`),0;if(result.written)return io.stdout(terminalText(`case ${c.id} added to ${values.suite} (graders: ${graders}; ${c.case.blocker?"blocker":"not a blocker"})`)+`
`),0;let pull=result.pull,text=pull.status==="in-suite"?`case ${c.id} is already in ${result.repoPath} on ${pull.base}: nothing to add`:`case ${c.id}: pull request #${pull.pull.number} ${pull.status==="opened"?"opened":"already open"} ${pull.pull.url} (branch ${pull.branch} into ${pull.base})`;return io.stdout(`${terminalText(text)}
`),0}export{incidentCommand};
