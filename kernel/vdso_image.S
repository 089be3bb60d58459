/* The vDSO image, embedded page-aligned: its code pages are mapped in place. */
	.section .rodata.vdso, "a"
	.balign 4096
	.globl vdso_image, vdso_image_end
vdso_image:
	.incbin VDSO_PATH
vdso_image_end:
	.balign 4096
