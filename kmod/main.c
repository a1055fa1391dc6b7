// SPDX-License-Identifier: GPL-2.0
/*
 * ttyvs: paired virtual serial ports with null-modem semantics.
 *
 * Module entry points, parameters and the tty driver registration.
 */
#include <linux/err.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/tty.h>
#include <linux/tty_driver.h>

#include "ttyvs.h"

static unsigned int pairs = 2;
module_param(pairs, uint, 0444);
MODULE_PARM_DESC(pairs, "Pairs created at load (default 2)");

static unsigned int max_pairs = 1024;
module_param(max_pairs, uint, 0444);
MODULE_PARM_DESC(max_pairs, "Most pairs that can exist (default 1024, at most 32768)");

bool ttyvs_emulate_baud;
module_param_named(emulate_baud, ttyvs_emulate_baud, bool, 0644);
MODULE_PARM_DESC(emulate_baud,
		 "Pace delivery at the sender's baud rate (default N; applies from the next write)");

struct tty_driver *ttyvs_driver;

static int __init ttyvs_init(void)
{
	struct ttyvs_pair_config cfg;
	struct tty_driver *driver;
	unsigned int i;
	int ret;

	if (!max_pairs || max_pairs > TTYVS_MAX_PAIRS_LIMIT) {
		pr_err("max_pairs=%u out of range 1..%u\n", max_pairs,
		       TTYVS_MAX_PAIRS_LIMIT);
		return -EINVAL;
	}
	if (pairs > max_pairs) {
		pr_err("pairs=%u exceeds max_pairs=%u\n", pairs, max_pairs);
		return -EINVAL;
	}

	driver = tty_alloc_driver(max_pairs * TTYVS_PORTS_PER_PAIR,
				  TTY_DRIVER_REAL_RAW | TTY_DRIVER_DYNAMIC_DEV);
	if (IS_ERR(driver))
		return PTR_ERR(driver);

	driver->driver_name = "ttyvs";
	driver->name = TTYVS_NAME;
	driver->major = 0;
	driver->minor_start = 0;
	driver->type = TTY_DRIVER_TYPE_SERIAL;
	driver->subtype = SERIAL_TYPE_NORMAL;
	/* What a UART driver starts with (serial_core does the same). */
	driver->init_termios = tty_std_termios;
	driver->init_termios.c_cflag = B9600 | CS8 | CREAD | HUPCL | CLOCAL;
	driver->init_termios.c_ispeed = 9600;
	driver->init_termios.c_ospeed = 9600;
	tty_set_operations(driver, &ttyvs_tty_ops);

	ret = tty_register_driver(driver);
	if (ret)
		goto err_put_driver;
	ttyvs_driver = driver;
	ttyvs_client_ops_init();

	ret = ttyvs_nl_init();
	if (ret)
		goto err_unregister_driver;

	ttyvs_pair_config_init(&cfg);
	for (i = 0; i < pairs; i++) {
		struct ttyvs_pair *pair;

		cfg.id = i;
		pair = ttyvs_pair_create(&cfg);

		if (IS_ERR(pair)) {
			ret = PTR_ERR(pair);
			pr_err("creating pair %u failed: %d\n", i, ret);
			goto err_destroy;
		}
	}

	pr_info("version %s, %u pairs (max %u)\n", TTYVS_VERSION, pairs,
		max_pairs);
	return 0;

err_destroy:
	ttyvs_nl_exit();
	ttyvs_pair_destroy_all();
	ttyvs_pairs_exit();
err_unregister_driver:
	tty_unregister_driver(driver);
err_put_driver:
	tty_driver_kref_put(driver);
	return ret;
}

static void __exit ttyvs_exit(void)
{
	/* No new requests first, then no pairs, then no devices. */
	ttyvs_nl_exit();
	ttyvs_pair_destroy_all();
	ttyvs_pairs_exit();
	tty_unregister_driver(ttyvs_driver);
	tty_driver_kref_put(ttyvs_driver);
}

module_init(ttyvs_init);
module_exit(ttyvs_exit);

MODULE_DESCRIPTION("Paired virtual serial ports with null-modem semantics");
MODULE_AUTHOR("The ttyvs developers");
MODULE_LICENSE("GPL");
MODULE_VERSION(TTYVS_VERSION);
