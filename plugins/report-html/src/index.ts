export { fullReportTemplate } from './full-template.js';
export { summaryReportTemplate } from './summary-template.js';
