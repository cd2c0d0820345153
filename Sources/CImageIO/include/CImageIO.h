#ifndef CIMAGEIO_H
#define CIMAGEIO_H
/* Placeholder until the codec work lands. */
int cimageio_version(void);
#endif
