import { definePlugin } from '@vya/plugin-api';
import { fullReportTemplate } from './full-template.js';
import { summaryReportTemplate } from './summary-template.js';

export default definePlugin({ reportTemplates: [fullReportTemplate, summaryReportTemplate] });
