-- A database with the types and objects a MariaDB/MySQL restore must get exactly right.
CREATE TABLE products (
  id INT AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(200) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci NOT NULL,
  price DECIMAL(12, 4) NOT NULL,
  weight_kg DOUBLE,
  added DATETIME(6) NOT NULL,
  attrs JSON,
  image BLOB,
  price_with_tax DECIMAL(14, 4) AS (price * 1.2) STORED,
  name_length INT AS (CHAR_LENGTH(name)) VIRTUAL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;
CREATE TABLE audit (id INT AUTO_INCREMENT PRIMARY KEY, product_id INT, what VARCHAR(100), at DATETIME(6)) ENGINE = InnoDB;
CREATE VIEW expensive AS SELECT id, name, price FROM products WHERE price > 500;
CREATE TRIGGER products_audit AFTER INSERT ON products FOR EACH ROW INSERT INTO audit (product_id, what, at) VALUES (NEW.id, CONCAT('added ', NEW.name), '2026-01-01 00:00:00.000001');
DELIMITER //
CREATE PROCEDURE add_products(IN n INT)
BEGIN
  DECLARE i INT DEFAULT 0;
  WHILE i < n DO
    INSERT INTO products (name, price, weight_kg, added, attrs, image)
    VALUES (CONCAT('product ', i, ' ☕🚀 naïve'), i * 1.2345, i / 7, TIMESTAMPADD(MICROSECOND, i * 1234567, '2024-02-29 23:59:59.999999'),
            JSON_OBJECT('i', i, 'tags', JSON_ARRAY('a', 'ü', NULL), 'even', i % 2 = 0),
            IF(i % 4 = 0, NULL, UNHEX(CONCAT(MD5(i), '00FF00', SHA1(i)))));
    SET i = i + 1;
  END WHILE;
END //
DELIMITER ;
CREATE EVENT nightly_cleanup ON SCHEDULE EVERY 1 DAY STARTS '2030-01-01 03:00:00' DISABLE DO DELETE FROM audit WHERE at < '2000-01-01';
CALL add_products(1500);
