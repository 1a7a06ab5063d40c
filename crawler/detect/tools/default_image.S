/*
 * default_image.S — embeds the compiled image of samples/rules/default.rules
 * (written by mkrules at build time; RULES_IMAGE names the file) as the
 * read-only symbols detect_default_image (8-byte aligned) and
 * detect_default_image_len (its size) that rules.c uses at start.
 *
 * Must never: hold code, or be assembled without the image it names.
 */
	.section .rodata
	.balign 16
	.globl detect_default_image
	.type detect_default_image, @object
detect_default_image:
	.incbin RULES_IMAGE
detect_default_image_end:
	.size detect_default_image, detect_default_image_end - detect_default_image
	.balign 8
	.globl detect_default_image_len
	.type detect_default_image_len, @object
detect_default_image_len:
	.quad detect_default_image_end - detect_default_image
	.size detect_default_image_len, 8
	.section .note.GNU-stack,"",@progbits
