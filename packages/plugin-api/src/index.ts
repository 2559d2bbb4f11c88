export type { CheckItem } from './check.js';
export { formatBytes } from './format.js';
export { VyaError, NotFoundError, isNotFound, isVyaError, errorMessage, unreachableError } from './errors.js';
export type { Logger } from './logger.js';
export { silentLogger } from './logger.js';
export type { Notifier, RunEvent, RunOutcome, RunSummary, SinkResult, UnitResult, UnitStatus } from './notifier.js';
export type {
  JsonSchema,
  NotifierDefinition,
  PluginContext,
  PluginContribution,
  PrivateTempDir,
  SecretStoreDefinition,
  SinkDefinition,
  SourceDefinition,
  TypeDefinition,
} from './plugin.js';
export { REGISTER_HOOK, definePlugin } from './plugin.js';
export type { DirectWriter } from './direct-write.js';
export { WRITE_DIRECTLY, writeInto, writesDirectly } from './direct-write.js';
export type { ChildOptions, StreamingChild } from './process.js';
export { feedChild, processAlive, relevantLines, runTool, spawnStreaming } from './process.js';
export { ReadingPassThrough } from './reading-pass-through.js';
export type { ReportFailure, ReportJob, ReportModel, ReportRun, ReportTemplate, ReportUnit } from './report-template.js';
export type { RekeyRequest, SecretMetadata, SecretRecord, SecretStore, SecretSummary } from './secret-store.js';
export { secretField } from './secret-store.js';
export type { NameSelection } from './select.js';
export { parseNameList, selectNames, unknownDatabasesError } from './select.js';
export type { ObjectInfo, Sink } from './sink.js';
export { modifiedOf, normalizeKeyPrefix } from './sink.js';
export type { BackupStream, BackupUnit, DrillCheckRequest, DrillCheckResult, DrillTarget, RestoreOptions, RestorePlan, RestoreRequest, RestoreResult, Source, UnitMetadata } from './source.js';
export type { DrillSummary, DrillUnitResult } from './drill.js';
export { apiMajor, apiVersion } from './version.js';
export { resolveConfigPath } from './paths.js';
