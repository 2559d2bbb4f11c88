export { MysqlSource } from './mysql-source.js';
export { mariadbSourceDefinition, mysqlSourceDefinition } from './register.js';
