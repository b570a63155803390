import { createRequire as __evalgateCreateRequire } from 'node:module'; const require = __evalgateCreateRequire(import.meta.url);
import{reportError}from"./chunk-DBQLVVUE.js";import{compare,gate,renderComparisonMarkdown}from"./chunk-BVIGDJPJ.js";import"./chunk-NTNKO2G2.js";import"./chunk-SFHEMM3F.js";import"./chunk-3C4QFQ24.js";import"./chunk-XWNDU5GK.js";import{GatePolicySchema}from"./chunk-PYG5MVSZ.js";import"./chunk-OWWHLXFM.js";import{ResultsInputError,parseResultsDocument}from"./chunk-HCLIPVTL.js";import"./chunk-BUMZDEYK.js";import"./chunk-K77UUBVW.js";import"./chunk-QFZFXNVM.js";import{parseYaml}from"./chunk-LQFGSTE7.js";import{ConfigError,ConfigErrors,UsageError,terminalText}from"./chunk-IPJXUYGK.js";import"./chunk-M4COAOWX.js";import{existsSync,readFileSync}from"node:fs";import{resolve}from"node:path";import{parseArgs}from"node:util";var USAGE="Usage: evalgate compare --baseline FILE --current FILE [--format markdown|json] [--config FILE]",HELP=`${USAGE}

Compares two Results documents case by case and gates on the difference, using the
\`gate:\` policy in evalgate.yml (or the safe defaults when there is none). A change
that improves one dimension or workflow and regresses another is named on stderr as a
trade-off needing a product decision.

  --baseline FILE   Results of the baseline run (e.g. main)
  --current FILE    Results of the run under review
  --format FORMAT   markdown (default): the reviewer's report; json: verdict, reasons and
                    the full comparison, per suite and metric, per dimension and workflow
                    (\`dimensions\`), and the trade-off when there is one (\`tradeOff\`)
  --config FILE     config whose \`gate:\` section holds the policy (default: ./evalgate.yml
                    when it exists)

Exit codes: 0 pass, warn or inconclusive; 1 fail, or error (the run had too many
infrastructure errors to judge: fail closed); 2 usage error, unreadable config, or a
Results file that is missing, corrupt, truncated or of another schema version.
`,compareCommand=async(argv,io)=>{try{return run(argv,io)}catch(e){return e instanceof ResultsInputError?(io.stderr(`evalgate: ${terminalText(e.message)}
`),2):reportError(e,io)}};function run(argv,io){let{values}=parseArgs({args:argv,options:{baseline:{type:"string",short:"b"},current:{type:"string",short:"c"},format:{type:"string",short:"f",default:"markdown"},config:{type:"string"},help:{type:"boolean",short:"h"}},strict:!0,allowPositionals:!1});if(values.help)return io.stdout(HELP),0;if(!values.baseline)throw new UsageError(`compare: --baseline is required
${USAGE}`);if(!values.current)throw new UsageError(`compare: --current is required
${USAGE}`);if(values.format!=="markdown"&&values.format!=="json")throw new UsageError(`compare: --format must be markdown or json, not '${values.format}'`);let policy=loadPolicy(io,values.config),baseline=readResults(io,values.baseline,"baseline"),current=readResults(io,values.current,"current"),comparison=compare(baseline,current,{thresholds:policy,staleAfterDays:policy.baseline.maxAgeDays}),verdict=gate(comparison,policy);if(values.format==="json"){let out={schemaVersion:1,verdict:verdict.verdict,reasons:verdict.reasons,counts:verdict.counts,comparison};io.stdout(`${JSON.stringify(out,null,2)}
`)}else io.stdout(renderComparisonMarkdown(comparison,verdict));let top=verdict.reasons.find(r=>r.level!=="info"),why=top&&verdict.verdict!=="pass"?` \u2014 ${terminalText(`${top.suite?`${top.suite}: `:""}${top.message}`,{oneLine:!0,maxLength:300})}`:"";return io.stderr(`evalgate: ${verdict.verdict}${why}
`),comparison.tradeOff&&!(why&&top?.code==="trade-off")&&io.stderr(`evalgate: trade-off needing a product decision: ${terminalText(comparison.tradeOff.summary,{oneLine:!0,maxLength:400})}
`),verdict.verdict==="fail"||verdict.verdict==="error"?1:0}function readResults(io,path,role){let label=`${role} ${path}`,text;try{text=readFileSync(resolve(io.cwd,path),"utf8")}catch(e){let code=e.code,why=code==="ENOENT"?"file not found":code==="EISDIR"?"is a directory, not a file":code==="EACCES"?"permission denied":e.message;throw new ResultsInputError(label,why)}return parseResultsDocument(text,label)}function loadPolicy(io,configPath){let file=resolve(io.cwd,configPath??"evalgate.yml");if(!configPath&&!existsSync(file))return GatePolicySchema.parse(void 0);let text;try{text=readFileSync(file,"utf8")}catch(e){let code=e.code;throw new ConfigError(code==="ENOENT"?"config file not found":e.message,{file})}let doc=parseYaml(text,file),section=doc.value&&typeof doc.value=="object"?doc.value.gate:void 0,parsed=GatePolicySchema.safeParse(section??void 0);if(!parsed.success)throw new ConfigErrors(parsed.error.issues.map(issue=>doc.error(["gate",...issue.path],issue.message)));return parsed.data}export{compareCommand};
